#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine or a developer's checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null; then
  # Browser tests drive Debian's Chromium; Playwright never downloads a browser here.
  SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
  $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium >/dev/null
fi
# shellcheck disable=SC1091
. .venv/bin/activate
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False TOKENIZERS_PARALLELISM=false
# Python keeps each compiled module in __pycache__; some machines (ours) set PYTHONDONTWRITEBYTECODE=1,
# and then every process the tests start (rag CLI, rag serve, chroma run, each worker) recompiles torch,
# transformers, sklearn and the rest from source: 11 of the 22 s a cold `rag retrieve` took here. With
# the caches written by the first process, later ones read them (docs/BENCHMARKS.md).
unset PYTHONDONTWRITEBYTECODE
# Two workers plus the servers and CLI processes they start share the cores. torch's OpenMP threads
# spin while they wait for work, burning the time another process needs: three 60-paper ingests at
# once on 2 cores took 39.6 s spinning and 32.6 s sleeping (docs/BENCHMARKS.md). Tests only: an ingest
# alone on idle cores is as fast either way, so the product keeps OpenMP's default.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# Lint, and compile the imported stack's bytecode once, before the workers start. A fresh .venv
# has no bytecode (uv does not compile on install), and importing torch, transformers,
# sentence-transformers, chromadb, gradio and llama-index cold took 31.4 s against 13.5 s warm.
# Without this, the workers and their first CLI and server processes each compile it at once: on
# a fresh clone the suite took 352-364 s, and 266 s when run again (docs/BENCHMARKS.md). Two
# imports at once, one per core: the torch side (which also writes the default backend's ONNX graph,
# once per machine, before two workers race to write it), and the side that needs no torch (gradio,
# chromadb, llama-index; sklearn too, which both sides import): 16.4-20.4 s cold, against
# 27.8-29.6 s for one import of it all. Lint runs beside them; a lint error fails the run.
python -c 'import sentence_transformers; from rag.embedding import create_embedder; from rag.settings import EmbeddingSettings
create_embedder(EmbeddingSettings())' & torch_side=$!
python -c 'import gradio, chromadb, llama_index.core, sklearn' & app_side=$!
lint=0; ruff check . || lint=$?
wait "$torch_side"; wait "$app_side"
[ "$lint" = "0" ] || exit "$lint"
# One pytest worker per core, at most 4 (each loads the model and its own sample store; TEST_WORKERS=0
# runs in one process). Whole files go to one worker (--dist loadfile), so a module's fixtures
# (servers, ingested stores) start once. On 2 cores this took the suite from 12.2 to 9.2 minutes
# (docs/BENCHMARKS.md): much of it waits on subprocesses and servers. Files holding a slow test go
# first (tests/conftest.py), so the tail is short files that both workers share.
cores="$(nproc)"
workers="${TEST_WORKERS:-$(( cores > 4 ? 4 : cores ))}"
if [ "$workers" -gt 1 ]; then
  exec python -m pytest -q -n "$workers" --dist loadfile --no-loadscope-reorder "$@"
fi
exec python -m pytest -q "$@"
