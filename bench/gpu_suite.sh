#!/usr/bin/env bash
# Both GPU benchmarks (training throughput, chat latency) in one device call of under 10 minutes,
# with the naive route measured on the same card in the same run. Results: $OUT/*.json, *.md and
# $OUT/RESULTS.md (date, card, torch / transformers / peft versions, both tables).
#
# 1. Here, once:   bash bench/gpu_suite.sh --prepare
#    (bitsandbytes wheel -> .whl/, the two Open-i CSVs -> .gpu_data/; both are git-ignored and the
#    CC BY-NC-ND data is never committed; they only travel with the device call)
# 2. The call:     device run, command "bash bench/gpu_suite.sh", carry [".whl", ".gpu_data"], timeout_s 600
# 3. Copy the RESULTS.md that comes back to bench/RESULTS.md.
# On a machine of your own with the requirements installed, step 2 is just `OUT=results bash bench/gpu_suite.sh`.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/results}
mkdir -p "$OUT"

if [ "${1:-}" = "--prepare" ]; then
    grep -qx "/.whl/" .git/info/exclude || echo "/.whl/" >> .git/info/exclude
    grep -qx "/.gpu_data/" .git/info/exclude || echo "/.gpu_data/" >> .git/info/exclude
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_24_x86_64 --platform manylinux_2_28_x86_64 -d .whl bitsandbytes==0.50.2
    mkdir -p .gpu_data && cp ../shared/data/openi/indiana_reports.csv ../shared/data/openi/indiana_projections.csv .gpu_data/
    ls -la .whl .gpu_data
    exit 0
fi

# `--tiny`: a CPU dry run of this script with the tiny model (checks the plumbing, not the figures).
TRAIN_ARGS=(--samples 128 --routes naive-lora,medqa-lora,medqa-lora+gc,naive-qlora,medqa-qlora+gc)
CHAT_ARGS=()
if [ "${1:-}" = "--tiny" ]; then TRAIN_ARGS=(--tiny); CHAT_ARGS=(--tiny); fi

if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
REPORTS=.gpu_data/indiana_reports.csv
[ -f "$REPORTS" ] || REPORTS=../shared/data/openi/indiana_reports.csv

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$OUT/gpu.txt" 2>&1
python3 - > "$OUT/versions.txt" 2>&1 <<'EOF'
import importlib.metadata as m
for name in ("torch", "transformers", "peft", "accelerate", "bitsandbytes", "torchvision"):
    try:
        print(f"{name} {m.version(name)}")
    except m.PackageNotFoundError:
        print(f"{name} missing")
EOF

# Training: naive padded HF+peft (checkpointing) vs medqa (packed, labelled-positions loss), LoRA and QLoRA.
timeout 330 python3 bench/train_throughput.py --reports "$REPORTS" "${TRAIN_ARGS[@]}" --out "$OUT/train_throughput.json" 2>&1 | tee "$OUT/train.log" | tail -n 30
# Chat: plain generate() vs static cache vs static cache + compile, one 448-px X-ray.
timeout 220 python3 bench/chat_latency.py "${CHAT_ARGS[@]}" --out "$OUT/chat_latency.json" 2>&1 | tee "$OUT/chat.log" | tail -n 30

{
    echo "# GPU benchmark results"
    echo
    echo "Date: $(date -u +%Y-%m-%d). Card: $(cat "$OUT/gpu.txt"). Versions: $(tr '\n' ';' < "$OUT/versions.txt")"
    echo
    echo "## Training throughput (bench/train_throughput.py)"
    cat "$OUT/train_throughput.md" 2>/dev/null || echo "(no result: see train.log)"
    echo
    echo "## Chat latency (bench/chat_latency.py)"
    cat "$OUT/chat_latency.md" 2>/dev/null || echo "(no result: see chat.log)"
} > "$OUT/RESULTS.md"
cat "$OUT/RESULTS.md"
