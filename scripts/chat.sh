#!/usr/bin/env bash
# The main job: set up, ingest the bundled sample corpus if the collection is empty, open the chat.
set -euo pipefail
cd "$(dirname "$0")/.."
# The chat needs no local model runtime: leaving out xllamacpp (a 34 MB llama.cpp wheel) and the
# test tools keeps a first run near a minute. SETUP_EXTRAS=ui,llm adds it for the `local` backend.
SETUP_EXTRAS="${SETUP_EXTRAS:-ui}" bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
export RAG_DATA_DIR="${RAG_DATA_DIR:-$PWD/.rag-data}"
# Let Python cache compiled modules even where PYTHONDONTWRITEBYTECODE=1 is set: otherwise `rag ingest`
# and `rag serve` each recompile torch, transformers and gradio from source (about 11 s each here).
unset PYTHONDONTWRITEBYTECODE
papers=$(rag stats --json | python -c "import json,sys; print(json.load(sys.stdin)['papers'])")
if [ "$papers" = "0" ]; then
  rag ingest data/sample
fi
exec rag serve "$@"
