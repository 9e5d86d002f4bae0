"""Sweep the extractive answerer's weights on cached retrieval results.

    python eval/sweep_extractive.py --data-dir DIR [--set paper_weight=0.15,0.3 --set cite_margin=0,0.03]

Retrieval runs once per question; each setting then answers from the same hits, and
sentence vectors are cached across settings, so a sweep costs seconds per setting.
Scores with bench_answers.score(). Tuning on the dev set makes the best row optimistic.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "eval")]

from bench_answers import row, score  # noqa: E402

from rag import Assistant  # noqa: E402
from rag.answer.pipeline import AnswerPipeline  # noqa: E402
from rag.embedding.cache import SentenceVectors  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--set", action="append", default=[], help="FIELD=v1,v2 of AnswerSettings")
    args = parser.parse_args()
    assistant = Assistant(data_dir=args.data_dir)
    questions = [json.loads(line) for line in (ROOT / "eval" / "questions" / "dev.jsonl").read_text().splitlines() if line.strip()]
    cached = {q["question"]: assistant.retrieve(q["question"]) for q in questions}
    grid = [(name, [float(v) for v in values.split(",")]) for name, values in (s.split("=", 1) for s in args.set)]
    # Every setting's pipeline embeds through one cache, so each sentence is embedded once per sweep.
    vectors = SentenceVectors(assistant.components.embedder, max_items=10**6)
    for combo in itertools.product(*[values for _, values in grid]):
        update = dict(zip([name for name, _ in grid], combo))
        settings = assistant.settings.answer.model_copy(update=update)
        pipeline = AnswerPipeline(settings, lambda q, k, f: cached[q], vectors, assistant.components.model)
        rows = [row(q, pipeline.answer(q["question"], backend="extractive")) for q in questions]
        summary = score(rows)
        keep = ("keyword_correctness", "citation_precision", "citation_recall", "abstention_absent", "false_abstention")
        print(json.dumps({**update, **{k: summary[k] for k in keep}}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
