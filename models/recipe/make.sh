#!/usr/bin/env bash
# The whole recipe, from nothing to models/glassbox-tiny and models/fixtures: ./make.sh [--minutes N] [--device cuda]
set -euo pipefail
cd "$(dirname "$0")"
need=(python3-torch python3-onnx python3-numpy python3-regex libopenblas0-pthread xz-utils)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update && $sudo DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
# first-touch page faults are very costly on the training VMs: keep freed memory mapped
export MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824
PY=/usr/bin/python3  # Debian's interpreter, the one with python3-torch and python3-onnx
$PY corpus.py
[ -f work/train.bin ] || $PY prepare.py
$PY train.py "$@"
$PY export.py
$PY evaluate.py
$PY card.py
$PY fixtures.py
