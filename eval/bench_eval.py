"""`rag eval` on the dev question set with the default configuration: the table in docs/BENCHMARKS.md.

    python eval/bench_eval.py [--data-dir DIR] [--out docs/bench/eval-dev.json]

Without --data-dir the sample corpus is ingested into a temporary folder first. Prints the
markdown table of docs/BENCHMARKS.md ("## rag eval (default config)"); the in-run latency
baseline is the time to embed the question alone, measured in the same run (shared cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import Assistant  # noqa: E402
from rag.evaluation import evaluate, load_questions  # noqa: E402
from rag.evaluation.metrics import percentile  # noqa: E402

ROWS = ["hit@1", "hit@5", "hit@10", "hit@20", "recall@5", "recall@10", "recall@20", "mrr", "ndcg@10", "keyword_correct",
        "citation_precision", "citation_recall", "invalid_citation_rate", "uncited_sentence_rate", "abstention_accuracy",
        "false_abstention", "support_mean", "supported_rate", "passed"]


def fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="an ingested store of data/sample (default: ingest into a temp dir)")
    parser.add_argument("--questions", default=str(ROOT / "eval" / "questions" / "dev.jsonl"))
    parser.add_argument("--out", default=None, help="write the summary and the run folder path as JSON")
    args = parser.parse_args()
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-eval-"))
    assistant = Assistant(data_dir=data_dir)
    if assistant.components.catalog.stats()["papers"] == 0:
        assistant.ingest([ROOT / "data" / "sample"])
    questions, _ = load_questions(args.questions)
    embed_ms = []
    for q in questions:
        started = time.perf_counter()
        assistant.components.embedder.embed([q.question])
        embed_ms.append((time.perf_counter() - started) * 1000)
    run_dir = Path(tempfile.mkdtemp(prefix="bench-eval-run-"))
    started = time.perf_counter()
    summary = evaluate(args.questions, assistant, out_dir=run_dir)
    wall = time.perf_counter() - started
    by_type = list(summary.by_type)
    print(f"Questions: {summary.questions} ({', '.join(f'{t} {n}' for t, n in summary.counts_by_type.items())}); "
          f"backend {summary.config['backend']}, top_k {summary.config['top_k']}, mode {summary.config['mode']}; "
          f"wall {wall:.0f} s; load avg {os.getloadavg()[0]:.1f}\n")
    print("| metric | all | " + " | ".join(by_type) + " |")
    print("|---|---|" + "---|" * len(by_type))
    for name in ROWS:
        print(f"| {name} | {fmt(summary.metrics.get(name))} | " + " | ".join(fmt(summary.by_type[t].get(name)) for t in by_type) + " |")
    baseline = percentile(embed_ms, 50)
    print("\n| timing | p50 ms | p95 ms | p50 / embed-question p50 |")
    print("|---|---|---|---|")
    print(f"| embed question alone (baseline) | {baseline:.0f} | {percentile(embed_ms, 95):.0f} | 1.0 |")
    for name, row in summary.latency.items():
        if row["p50"] is not None:
            print(f"| {name} | {row['p50']:.0f} | {row['p95']:.0f} | {row['p50'] / baseline:.1f} |")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({**summary.to_dict(), "wall_s": wall, "embed_question_ms_p50": baseline,
                                              "load_avg_end": os.getloadavg()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
