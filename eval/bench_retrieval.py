"""Retrieval quality and latency for BM25 alone, dense alone and hybrid, on one ingested store.

    python eval/bench_retrieval.py --data-dir /tmp/sample-store --label sample [--fit] [--out docs/bench/retrieval-sample.json]

Metrics (dev set, eval/questions/dev.jsonl): hit@1/hit@5 for fact+method, recall@10/@20
for topic, both gold papers in top 5 / top 10 for compare, MRR over answerable questions,
and the calibrated top score of answerable vs absent questions. Latency is wall time of
Assistant.retrieve() per question, warm (one untimed warm-up pass first); the in-run
baseline is the time to embed the question alone, measured in the same run, because this
machine's cores are shared and absolute times drift.

``--fit`` fits the score calibration (logistic regression on the best chunk's dense cosine
and the normalised fused score of the top-20 hybrid papers; label = gold paper, absent
questions all 0) and prints the constants for rag/settings.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag import Assistant
from rag.ingest.identity import normalize_title

QUESTIONS = Path(__file__).resolve().parent / "questions" / "dev.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ranks_of_gold(hits, gold: list[str]) -> list[int | None]:
    titles = [normalize_title(h.title) for h in hits]
    return [titles.index(g) + 1 if g in titles else None for g in (normalize_title(t) for t in gold)]


def rank_metrics(rows: list[tuple[dict, list[int | None]]]) -> dict:
    """(question, 1-based ranks of its gold papers or None) per question → the dev-set metrics."""
    fm = [ranks for q, ranks in rows if q["type"] in ("fact", "method")]
    topic = [ranks for q, ranks in rows if q["type"] == "topic"]
    comp = [ranks for q, ranks in rows if q["type"] == "compare"]
    answerable = [ranks for q, ranks in rows if q["type"] != "absent"]
    out = {"hit@1": sum(any(x == 1 for x in r) for r in fm) / len(fm), "hit@5": sum(any(x and x <= 5 for x in r) for r in fm) / len(fm)}
    for k in (10, 20):
        out[f"topic_recall@{k}"] = statistics.mean(sum(1 for x in r if x and x <= k) / len(r) for r in topic)
    for k in (5, 10):
        out[f"compare_both@{k}"] = sum(all(x and x <= k for x in r) for r in comp) / len(comp)
    out["mrr"] = statistics.mean(1.0 / min(x for x in r if x) if any(r) else 0.0 for r in answerable)
    return out


def score_mode(assistant: Assistant, questions: list[dict], mode: str, depth: int) -> dict:
    for q in questions[:5]:
        assistant.retrieve(q["question"], top_k=depth, mode=mode)  # warm-up
    rows, latencies, search = [], [], []
    for q in questions:
        started = time.perf_counter()
        hits = assistant.retrieve(q["question"], top_k=depth, mode=mode)
        latencies.append((time.perf_counter() - started) * 1000)
        search.append(latencies[-1] - assistant.components.retriever.last_timings["embed_ms"])
        rows.append((q, hits, ranks_of_gold(hits, q["gold_titles"])))
    out: dict = {"mode": mode, **rank_metrics([(q, ranks) for q, _, ranks in rows])}
    fm = [r for r in rows if r[0]["type"] in ("fact", "method")]
    comp = [r for r in rows if r[0]["type"] == "compare"]
    answerable = [r for r in rows if r[0]["type"] != "absent"]
    absent = [r for r in rows if r[0]["type"] == "absent"]
    out["top_score_answerable_min"] = min(r[1][0].score for r in answerable if r[1])
    out["top_score_answerable_median"] = statistics.median(r[1][0].score for r in answerable if r[1])
    out["top_score_absent_max"] = max(r[1][0].score for r in absent if r[1])
    out["top_score_absent_median"] = statistics.median(r[1][0].score for r in absent if r[1])
    # Share of questions on the right side of a top-score threshold (absent below, answerable above).
    for t in (0.05, 0.15, 0.25, 0.35, 0.5):
        out[f"separated@{t}"] = (sum(r[1][0].score < t for r in absent) + sum(r[1][0].score >= t for r in answerable)) / len(rows)
    out["p50_ms"], out["p95_ms"] = percentile(latencies, 0.5), percentile(latencies, 0.95)
    # Everything but embedding the question (the store lookups, BM25, fusion, catalog reads).
    out["search_p50_ms"], out["search_p95_ms"] = percentile(search, 0.5), percentile(search, 0.95)
    out["misses"] = [r[0]["id"] for r in fm + comp if not all(x and x <= 5 for x in r[2])]
    out["_rows"] = rows
    return out


def embed_baseline(assistant: Assistant, questions: list[dict]) -> tuple[float, float]:
    times = []
    for q in questions:
        started = time.perf_counter()
        assistant.components.embedder.embed([q["question"]])
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 0.5), percentile(times, 0.95)


def fit_calibration(rows) -> dict:
    features, labels = [], []
    for q, hits, _ in rows:
        gold = {normalize_title(t) for t in q["gold_titles"]}
        for hit in hits:
            features.append([hit.signals["dense_cosine"], hit.signals["fused"]])
            labels.append(int(q["type"] != "absent" and normalize_title(hit.title) in gold))
    return fit_logistic(features, labels)


def fit_logistic(features: list[list[float]], labels: list[int]) -> dict:
    """[dense cosine, fused] per paper, 1 = gold → the calibration constants for rag/settings.py."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0, max_iter=1000).fit(features, labels)
    return {"calibration_bias": round(float(model.intercept_[0]), 3), "calibration_cosine": round(float(model.coef_[0][0]), 3),
            "calibration_fused": round(float(model.coef_[0][1]), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--label", default="store")
    parser.add_argument("--modes", nargs="+", default=["bm25", "dense", "hybrid"])
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    questions = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    assistant = Assistant(data_dir=args.data_dir)
    stats = assistant.stats()
    started = time.perf_counter()
    assistant.components.bm25.fresh_index()
    index_s = time.perf_counter() - started
    report = {"label": args.label, "papers": stats.papers, "chunks": stats.chunks, "bm25_load_or_rebuild_s": round(index_s, 2),
              "bm25_rebuilt": assistant.components.bm25.rebuilds > 0, "cpu_count": os.cpu_count(), "load_avg": os.getloadavg(), "results": []}
    embed_p50, embed_p95 = embed_baseline(assistant, questions)
    report["embed_question_p50_ms"], report["embed_question_p95_ms"] = embed_p50, embed_p95
    hybrid_rows = None
    for mode in args.modes:
        result = score_mode(assistant, questions, mode, args.depth)
        rows = result.pop("_rows")
        if mode == "hybrid":
            hybrid_rows = rows
        report["results"].append(result)
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in result.items()}), flush=True)
    report["load_avg_end"] = os.getloadavg()
    if args.fit and hybrid_rows:
        report["fitted_calibration"] = fit_calibration(hybrid_rows)
        print("fitted:", report["fitted_calibration"])
    print(f"papers={stats.papers} chunks={stats.chunks} embed-only p50={embed_p50:.0f} ms p95={embed_p95:.0f} ms "
          f"bm25 index ready in {index_s:.1f} s (rebuilt={report['bm25_rebuilt']})")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
