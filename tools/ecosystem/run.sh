#!/usr/bin/env bash
# medqa's outputs through the real third-party tools, each in its own virtual environment:
#   LLaMA-Factory 0.9.5: its YAML parser and get_dataset (template qwen2_vl) over exports/sharegpt,
#       token ids compared with medqa's encoder;
#   ms-swift 4.6.0: its dataset preprocessor and qwen2_5_vl template over the same files (ROOT_IMAGE_DIR);
#   datasets 4.0 (LLaMA-Factory's pin) and 5.x (medqa's): load_dataset(DIR), a stock Qwen chat template.
# The environments reuse the project's torch (a .pth line puts .venv's site-packages after their own), so
# each installs in about 2 minutes; they are kept in .ecosystem/ and reused until deleted.
#   bash tools/ecosystem/run.sh     (after .venv is set up; MEDQA_PYTHON=... names another medqa Python)
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
PY=${MEDQA_PYTHON:-.venv/bin/python}  # medqa's own environment
WORK=.ecosystem
TOOLS=tools/ecosystem
mkdir -p "$WORK"
SITE=$($PY -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")

venv() {  # venv NAME PACKAGE...: create once, then reuse
  local dir="$WORK/$1"; shift
  [ -f "$dir/.ready" ] && return
  local start=$SECONDS
  rm -rf "$dir" && python3 -m venv "$dir"
  "$dir/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" \
    | xargs -I{} sh -c "echo '$SITE' > '{}/medqa-venv.pth'"
  if ! "$dir/bin/pip" install -q "$@" >"$dir.log" 2>&1; then
    grep -v "^WARNING: Location" "$dir.log" | tail -20
    exit 1
  fi
  touch "$dir/.ready"
  echo "installed $* in $((SECONDS - start)) s"
}
venv llamafactory llamafactory==0.9.5
venv swift ms-swift==4.6.0 qwen_vl_utils==0.0.14

rm -rf "$WORK/data" && $PY $TOOLS/prepare.py "$WORK/data" >/dev/null
DATA=$WORK/data/images MODEL=$WORK/data/model
ROOT=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['image_root'])" "$DATA/exports/export.json")

"$WORK/llamafactory/bin/python" $TOOLS/llamafactory_check.py "$DATA/exports/sharegpt" --model "$MODEL" \
  --out "$WORK/llamafactory.json" >"$WORK/llamafactory.log" 2>&1 || { tail -30 "$WORK/llamafactory.log"; exit 1; }
grep "^llamafactory_fold_.*rows" "$WORK/llamafactory.log"
$PY $TOOLS/compare.py "$DATA" "$WORK/llamafactory.json" --model "$MODEL" --tool "LLaMA-Factory 0.9.5"

ROOT_IMAGE_DIR=$ROOT MAX_PIXELS=$((448 * 448)) "$WORK/swift/bin/python" $TOOLS/swift_check.py \
  "$DATA/exports/sharegpt" --model "$MODEL" --out "$WORK/swift.json" >"$WORK/swift.log" 2>&1 \
  || { tail -30 "$WORK/swift.log"; exit 1; }
grep "^fold .*rows" "$WORK/swift.log"
$PY $TOOLS/compare.py "$DATA" "$WORK/swift.json" --model "$MODEL" --tool "ms-swift 4.6.0"

# Every record of the full build (no pixels read); datasets 4 is LLaMA-Factory's pin, 5 is medqa's.
"$WORK/llamafactory/bin/python" $TOOLS/datasets_check.py "$WORK/data/full" --model "$MODEL" 2>/dev/null
$PY $TOOLS/datasets_check.py "$WORK/data/full" --model "$MODEL" 2>/dev/null
echo "ecosystem checks passed"
