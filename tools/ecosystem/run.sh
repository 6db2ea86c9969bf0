#!/usr/bin/env bash
# medqa's exports through the real third-party tools, each installed in a virtual environment of its own
# exactly as the README says, with nothing from medqa's environment:
#   LLaMA-Factory 0.9.5: its YAML parser and get_dataset (template qwen2_vl) over exports/sharegpt;
#   ms-swift 4.6.0: its dataset preprocessor and qwen2_5_vl template over the same files (ROOT_IMAGE_DIR);
#   TRL 1.16.0: the README's SFTTrainer recipe over exports/hf (Parquet, images as bytes);
#   datasets 4.0 (LLaMA-Factory's pin) and 5.x (medqa's): load_dataset(DIR), a stock Qwen chat template.
# For each tool it prints the version, the install line, whether the token ids it trains on equal medqa's encoder
# (image tokens counted in those ids), and the losses of 2 training steps of the tiny model on the CPU.
# The environments are kept in .ecosystem/ and reused until deleted; each brings its own torch (GBs, minutes).
#   bash tools/ecosystem/run.sh     (after .venv is set up; MEDQA_PYTHON=... names another medqa Python)
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
PY=${MEDQA_PYTHON:-.venv/bin/python}  # medqa's own environment: prepares the data, runs compare.py
WORK=.ecosystem
TOOLS=tools/ecosystem
mkdir -p "$WORK"

# The README's install lines (section "Fine-tuning with other tools").
LF_INSTALL="llamafactory==0.9.5"
SWIFT_INSTALL="ms-swift==4.6.0 qwen_vl_utils==0.0.14 torchvision"
TRL_INSTALL="trl==1.16.0 peft torchvision"

venv() {  # venv NAME PACKAGE...: create once with pip install PACKAGE..., then reuse
  local dir="$WORK/$1"; shift
  [ -f "$dir/.ready" ] && return
  local start=$SECONDS
  rm -rf "$dir" && python3 -m venv "$dir"
  if ! "$dir/bin/pip" install -q "$@" >"$dir.log" 2>&1; then
    grep -v "^WARNING: Location" "$dir.log" | tail -20
    exit 1
  fi
  touch "$dir/.ready"
  echo "installed $* in $((SECONDS - start)) s"
}
version() { "$WORK/$1/bin/python" -c "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))" "$2"; }
losses() { grep -o "'loss': '\?[0-9.]*" "$1" | grep -o "[0-9.]*$" | paste -sd, -; }
venv llamafactory $LF_INSTALL
venv swift $SWIFT_INSTALL
venv trl $TRL_INSTALL

rm -rf "$WORK/data" && $PY $TOOLS/prepare.py "$WORK/data" >/dev/null
DATA=$WORK/data/images MODEL=$WORK/data/model
ROOT=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['image_root'])" "$DATA/exports/export.json")

# LLaMA-Factory: its loader over every fold's YAML, then 2 steps of the fold-0 YAML as written (the tiny model,
# on the CPU: no bf16, no eval, no checkpoint).
"$WORK/llamafactory/bin/python" $TOOLS/llamafactory_check.py "$DATA/exports/sharegpt" --model "$MODEL" \
  --out "$WORK/llamafactory.json" >"$WORK/llamafactory.log" 2>&1 || { tail -30 "$WORK/llamafactory.log"; exit 1; }
$PY $TOOLS/compare.py "$DATA" "$WORK/llamafactory.json" --model "$MODEL" --tool "LLaMA-Factory"
"$WORK/llamafactory/bin/python" - "$DATA/exports/sharegpt/llamafactory_fold_0.yaml" "$MODEL" "$WORK/lf-train" <<'EOF'
import sys
import yaml
config = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
config.update(model_name_or_path=sys.argv[2], output_dir=sys.argv[3], overwrite_output_dir=True, bf16=False,
              max_steps=2, logging_steps=1, save_strategy="no", eval_strategy="no", report_to="none")
yaml.safe_dump(config, open(sys.argv[3] + ".yaml", "w", encoding="utf-8"))
EOF
"$WORK/llamafactory/bin/llamafactory-cli" train "$WORK/lf-train.yaml" >"$WORK/lf-train.log" 2>&1 \
  || { tail -30 "$WORK/lf-train.log"; exit 1; }
echo "LLaMA-Factory $(version llamafactory llamafactory) | pip install $LF_INSTALL | losses: $(losses "$WORK/lf-train.log")"

# ms-swift: its loader and template over every fold, then 2 steps of export.json's fold-0 command (the README's).
ROOT_IMAGE_DIR=$ROOT MAX_PIXELS=$((448 * 448)) "$WORK/swift/bin/python" $TOOLS/swift_check.py \
  "$DATA/exports/sharegpt" --model "$MODEL" --out "$WORK/swift.json" >"$WORK/swift.log" 2>&1 \
  || { tail -30 "$WORK/swift.log"; exit 1; }
$PY $TOOLS/compare.py "$DATA" "$WORK/swift.json" --model "$MODEL" --tool "ms-swift"
CMD=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['sharegpt']['ms_swift']['fold_0'])" \
  "$DATA/exports/export.json")
CMD=$(echo "$CMD" | sed -e "s|--model [^ ]*|--model $MODEL|" -e "s|--torch_dtype bfloat16|--torch_dtype float32|" \
  -e "s|--output_dir [^ ]*|--output_dir $WORK/swift-train|")
PATH="$PWD/$WORK/swift/bin:$PATH" bash -c "$CMD --max_steps 2 --logging_steps 1 --save_strategy no \
  --eval_strategy no --report_to none" >"$WORK/swift-train.log" 2>&1 || { tail -30 "$WORK/swift-train.log"; exit 1; }
echo "ms-swift $(version swift ms-swift) | pip install $SWIFT_INSTALL | losses: $(losses "$WORK/swift-train.log")"

# TRL: the README's recipe over exports/hf, image tokens checked in the collated ids, 2 steps.
"$WORK/trl/bin/python" $TOOLS/trl_check.py "$DATA/exports/hf" --model "$MODEL" --readme README.md \
  >"$WORK/trl.json" 2>"$WORK/trl.log" || { tail -30 "$WORK/trl.log"; cat "$WORK/trl.json"; exit 1; }
echo "TRL $(version trl trl) | pip install $TRL_INSTALL | $(tail -1 "$WORK/trl.json")"

# Every record of the full build (no pixels read); datasets 4 is LLaMA-Factory's pin, 5 is medqa's.
"$WORK/llamafactory/bin/python" $TOOLS/datasets_check.py "$WORK/data/full" --model "$MODEL" 2>/dev/null
$PY $TOOLS/datasets_check.py "$WORK/data/full" --model "$MODEL" 2>/dev/null
echo "ecosystem checks passed"
