#!/usr/bin/env bash
# Create .venv and install the project with pinned versions. Safe to re-run: it only
# reinstalls when pyproject.toml or constraints.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing dependencies into .venv (first run builds llama-cpp-python: ~10 min on 2 cores)" >&2
  python -m pip install -q --upgrade pip
  # torch first and pinned, so nothing pulls the multi-GB CUDA build.
  python -m pip install -q "torch==2.13.0" -c constraints.txt
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    python -m pip install -q -c constraints.txt -e ".[ui,llm,onnx,remote,test,bench]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
