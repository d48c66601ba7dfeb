#!/usr/bin/env bash
# Hub-layout fixtures (models/fixtures/hub/*, test/fixtures/reference/hub/*): ./make.sh [--only NAME ...]
# Makes models/recipe/work/hub-venv from requirements.txt (once, and again when requirements.txt changes), then runs
# hub_fixtures.py. TORCH_INDEX=https://download.pytorch.org/whl/cpu ./make.sh takes torch's CPU build from PyTorch's
# index where no local wheel or mirror provides torch==2.13.0+cpu (PyPI's own torch wheel is the CUDA build).
set -euo pipefail
cd "$(dirname "$0")"
VENV=../work/hub-venv
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ] || ! cmp -s requirements.txt "$VENV/requirements.txt"; then
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} -r requirements.txt
  cp requirements.txt "$VENV/requirements.txt"
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} PYTHONHASHSEED=0  # optimum's merge_decoders names by set order
exec "$VENV/bin/python" hub_fixtures.py "$@"
