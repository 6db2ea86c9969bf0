#!/usr/bin/env bash
# Both GPU benchmarks (training throughput, chat latency) in one device call of at most 540 s, with the
# naive routes measured on the same card in the same run. Results (6 files, within the device's 8): $OUT/RESULTS.md
# (date, card, versions, both tables, how each phase ended; rewritten after every phase), the two scripts' JSON and
# Markdown (rewritten after every route) and $OUT/suite.log (every phase's output).
#
# 1. Here, once:   bash bench/gpu_suite.sh --prepare
#    (bitsandbytes wheel -> .whl/, the two Open-i CSVs -> .gpu_data/; both are git-ignored and the
#    CC BY-NC-ND data is never committed; they only travel with the device call)
# 2. The call:     device run, command "bash bench/gpu_suite.sh", carry [".whl", ".gpu_data"], timeout_s 600
#    (a second call, if device time is left: "bash bench/gpu_suite.sh --second", the remaining routes)
# 3. Copy the RESULTS.md that comes back to bench/RESULTS.md.
# On a machine of your own with the requirements installed, step 2 is just `OUT=results bash bench/gpu_suite.sh`.
# `--tiny`: the same phases and every route on CPU with the tiny model (the plumbing, not the figures).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/results}
BUDGET_S=${BUDGET_S:-540}
START=$SECONDS
mkdir -p "$OUT"
WORK=$(mktemp -d)  # preflight and phase notes: folded into RESULTS.md, so $OUT stays within 8 files

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
SECOND=""
for arg in "$@"; do
    case "$arg" in
        --tiny) TINY="--tiny" ;;
        --second) SECOND=1 ;;
        --prepare) ;;
        *) echo "unknown option $arg (use --prepare, --tiny, --second)" >&2; exit 2 ;;
    esac
done
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

results() {  # RESULTS.md from what has finished so far (called after every phase and on exit)
    {
        echo "# GPU benchmark results"
        echo
        echo "Date: $(date -u +%Y-%m-%d). $(cat "$WORK/preflight.txt" 2>/dev/null | tr '\n' ' ')"
        echo
        echo "## Training throughput (bench/train_throughput.py)"
        cat "$OUT/train_throughput.md" 2>/dev/null || echo "(no result yet: see suite.log)"
        echo
        echo "## Chat latency (bench/chat_latency.py)"
        cat "$OUT/chat_latency.md" 2>/dev/null || echo "(no result yet: see suite.log)"
        echo
        echo "Phases: $(cat "$WORK/phases.txt" 2>/dev/null | paste -sd ';' - | sed 's/;/; /g')"
    } > "$OUT/RESULTS.md.tmp" && mv "$OUT/RESULTS.md.tmp" "$OUT/RESULTS.md"
}
trap results EXIT
: > "$WORK/phases.txt"
: > "$OUT/suite.log"

# Preflight: versions and card; stop with a clear message (in RESULTS.md too) when something needed is missing.
"$PY" bench/preflight.py $TINY --out "$WORK/preflight.txt" 2>&1 | tee -a "$OUT/suite.log"
[ "${PIPESTATUS[0]}" = 0 ] || exit 2

phase() {  # phase NAME CAP_S -- command...: runs under min(CAP, time left), notes how it ended
    local name=$1 cap=$2; shift 3
    local left=$((BUDGET_S - (SECONDS - START)))
    [ "$cap" -gt "$left" ] && cap=$left
    if [ "$cap" -lt 30 ]; then echo "$name: skipped (${left} s left)" | tee -a "$WORK/phases.txt"; return; fi
    local t0=$SECONDS
    echo "== $name (cap $cap s): $*" >> "$OUT/suite.log"
    timeout --signal=TERM --kill-after=10 "$cap" "$@" > "$WORK/$name.log" 2>&1
    local rc=$?
    cat "$WORK/$name.log" >> "$OUT/suite.log"
    echo "$name: rc $rc in $((SECONDS - t0)) s (cap $cap s)" | tee -a "$WORK/phases.txt"
    tail -n 25 "$WORK/$name.log"
    results
}

TRAIN=("$PY" bench/train_throughput.py $TINY --reports "$REPORTS" --out "$OUT/train_throughput.json")
CHAT=("$PY" bench/chat_latency.py $TINY --out "$OUT/chat_latency.json")
# Caps add up to 450 s, under the 540 s budget with preflight and install (~30 s) and the phases' own start-up.
# Call 1 (default), in priority order: medqa vs the naive route (samples/s, peak memory, MFU), QLoRA's peak
# memory, then the fast decoder (TTFT, decode tok/s, greedy tokens against generate()) with generate() beside it.
# Call 2 (--second): everything else (naive QLoRA, checkpointing variants, the static-cache generate() routes).
if [ "${SECOND:-}" = 1 ]; then
    phase train-rest 200 -- "${TRAIN[@]}" --routes naive-qlora,medqa-lora+gc
    phase chat-rest 200 -- "${CHAT[@]}" --routes static,static-compile
else
    phase train-lora 170 -- "${TRAIN[@]}" --routes naive-lora,medqa-lora
    phase train-qlora 120 -- "${TRAIN[@]}" --routes medqa-qlora+gc --qlora --append
    phase chat-fast 160 -- "${CHAT[@]}" --routes fast,plain
fi
echo "total $((SECONDS - START)) s"
