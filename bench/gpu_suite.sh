#!/usr/bin/env bash
# Both GPU benchmarks (training throughput, chat latency) in one device call of at most 540 s, with the
# naive routes measured on the same card in the same run. Results: $OUT/RESULTS.md (date, card, versions,
# both tables, rewritten after every route), $OUT/*.json, $OUT/*.log.
#
# 1. Here, once:   bash bench/gpu_suite.sh --prepare
#    (bitsandbytes wheel -> .whl/, the two Open-i CSVs -> .gpu_data/; both are git-ignored and the
#    CC BY-NC-ND data is never committed; they only travel with the device call)
# 2. The call:     device run, command "bash bench/gpu_suite.sh", carry [".whl", ".gpu_data"], timeout_s 600
# 3. Copy the RESULTS.md that comes back to bench/RESULTS.md.
# On a machine of your own with the requirements installed, step 2 is just `OUT=results bash bench/gpu_suite.sh`.
# `--tiny`: the same phases and every route on CPU with the tiny model (the plumbing, not the figures).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/results}
BUDGET_S=${BUDGET_S:-540}
START=$SECONDS
mkdir -p "$OUT"

if [ "${1:-}" = "--prepare" ]; then
    exclude=$(git rev-parse --git-path info/exclude)  # .git is a file in a worktree
    mkdir -p "$(dirname "$exclude")" && touch "$exclude"
    grep -qx "/.whl/" "$exclude" || echo "/.whl/" >> "$exclude"
    grep -qx "/.gpu_data/" "$exclude" || echo "/.gpu_data/" >> "$exclude"
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_24_x86_64 --platform manylinux_2_28_x86_64 -d .whl bitsandbytes==0.50.2
    mkdir -p .gpu_data && cp ../shared/data/openi/indiana_reports.csv ../shared/data/openi/indiana_projections.csv .gpu_data/
    ls -la .whl .gpu_data
    exit 0
fi
TINY=""
[ "${1:-}" = "--tiny" ] && TINY="--tiny"
PY=${PYTHON:-python3}

# The carried wheel: pip when there is one, else a plain unzip (a wheel is a zip of the installed files).
if ls .whl/*.whl >/dev/null 2>&1 && ! "$PY" -c "import bitsandbytes" 2>/dev/null; then
    mkdir -p /tmp/medqa_site
    if "$PY" -m pip --version >/dev/null 2>&1; then
        "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/medqa_site .whl/*.whl
    else
        for w in .whl/*.whl; do "$PY" -m zipfile -e "$w" /tmp/medqa_site; done
    fi
    export PYTHONPATH="/tmp/medqa_site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
REPORTS=.gpu_data/indiana_reports.csv
[ -f "$REPORTS" ] || REPORTS=../shared/data/openi/indiana_reports.csv

# Preflight: versions and card; stop with a clear message when a needed package is missing.
"$PY" bench/preflight.py $TINY --out "$OUT/preflight.txt" || exit 2

results() {  # RESULTS.md from what has finished so far (called after every phase and on exit)
    {
        echo "# GPU benchmark results"
        echo
        echo "Date: $(date -u +%Y-%m-%d). $(tr '\n' ' ' < "$OUT/preflight.txt")"
        echo
        echo "## Training throughput (bench/train_throughput.py)"
        cat "$OUT/train_throughput.md" 2>/dev/null || echo "(no result yet: see train*.log)"
        echo
        echo "## Chat latency (bench/chat_latency.py)"
        cat "$OUT/chat_latency.md" 2>/dev/null || echo "(no result yet: see chat*.log)"
        echo
        echo "Phases: $(cat "$OUT/phases.txt" 2>/dev/null | tr '\n' ';')"
    } > "$OUT/RESULTS.md.tmp" && mv "$OUT/RESULTS.md.tmp" "$OUT/RESULTS.md"
}
trap results EXIT
: > "$OUT/phases.txt"

phase() {  # phase NAME CAP_S LOG -- command...: runs under min(CAP, time left), notes how it ended
    local name=$1 cap=$2 log=$3; shift 4
    local left=$((BUDGET_S - (SECONDS - START)))
    [ "$cap" -gt "$left" ] && cap=$left
    if [ "$cap" -lt 30 ]; then echo "$name: skipped (${left} s left)" | tee -a "$OUT/phases.txt"; return; fi
    local t0=$SECONDS
    timeout --signal=TERM --kill-after=10 "$cap" "$@" > "$OUT/$log" 2>&1
    local rc=$?
    echo "$name: rc $rc in $((SECONDS - t0)) s (cap $cap s)" | tee -a "$OUT/phases.txt"
    tail -n 25 "$OUT/$log"
    results
}

TRAIN=("$PY" bench/train_throughput.py $TINY --reports "$REPORTS" --out "$OUT/train_throughput.json")
CHAT=("$PY" bench/chat_latency.py $TINY --out "$OUT/chat_latency.json")
# Target rows first: QLoRA memory, LoRA speed-up at equal checkpointing, the fast chat path.
phase train-targets 200 train1.log -- "${TRAIN[@]}" --routes medqa-qlora+gc,naive-lora,medqa-lora+gc
phase chat-targets 150 chat1.log -- "${CHAT[@]}" --routes fast,plain
# Then the rest, as far as the budget goes (each run appends to the same JSON and table).
phase train-rest 120 train2.log -- "${TRAIN[@]}" --routes naive-qlora,medqa-lora --append
phase chat-rest 120 chat2.log -- "${CHAT[@]}" --routes static,static-compile --append
echo "total $((SECONDS - START)) s"
