"""Sweep fusion settings offline on one or more stores, and refit the score calibration.

    python eval/fit_fusion.py --data-dir /tmp/sample-store --data-dir /work/bench-data/sample+75k [--out docs/bench/fusion-sweep.json]

The dense and BM25 chunk lists of every dev question are fetched once per store (at the
deepest candidate count swept), then each fusion setting is replayed on them with the
product's own PaperFusion, so a sweep of dozens of settings costs seconds instead of dozens
of full benchmark runs. Cosines of BM25-only chunks stay unknown at fusion time, exactly as
in HybridRetriever.retrieve(). The metrics are bench_retrieval.py's. Fitting on the dev set makes
the chosen setting's figures optimistic; the sweep reports every setting so the margin shows.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from bench_retrieval import fit_logistic, rank_metrics  # noqa: E402

from rag import Assistant  # noqa: E402
from rag.ingest.identity import normalize_title  # noqa: E402
from rag.retrieval.filters import FilterPlan  # noqa: E402
from rag.retrieval.fusion import PaperFusion  # noqa: E402

QUESTIONS = Path(__file__).resolve().parent / "questions" / "dev.jsonl"
DEPTH = 20


def collect(data_dir: str, questions: list[dict], depth: int) -> list[dict]:
    """Per question: gold paper ids, dense and BM25 chunk lists (``depth`` each)."""
    assistant = Assistant(data_dir=data_dir)
    retriever = assistant.components.retriever
    plan = FilterPlan(None, None)
    rows = []
    for q in questions:
        vector = assistant.components.embedder.embed([q["question"]])[0]
        gold = [assistant.components.catalog.id_for_title(normalize_title(t)) for t in q["gold_titles"]]
        rows.append({"q": q, "gold": gold, "vector": vector, **retriever.rankings(q["question"], vector, depth, plan)})
    rows_store = assistant.components.store
    for row in rows:  # cosines of every candidate, for the calibration features (after fusion, as in retrieve())
        ids = sorted({c.chunk_id for c in row["bm25"]} - {c.chunk_id for c in row["dense"]})
        got = rows_store.get(ids=ids, include=("embeddings",)) if ids else {"ids": [], "embeddings": []}
        row["cos"] = {c.chunk_id: c.cosine for c in row["dense"]}
        row["cos"].update({cid: float(emb @ row["vector"]) for cid, emb in zip(got["ids"], got["embeddings"])})
    return rows


def evaluate(rows: list[dict], settings, candidates: int) -> tuple[dict, list]:
    fusion = PaperFusion(settings)
    ranked = []
    for row in rows:
        rankings = {"dense": copy.deepcopy(row["dense"][:candidates]), "bm25": copy.deepcopy(row["bm25"][:candidates])}
        papers = fusion.fuse(rankings)[:DEPTH]
        order = [p.paper_id for p in papers]
        ranks = [order.index(g) + 1 if g in order else None for g in row["gold"]]
        feats = []
        for p in papers:
            cos = max(row["cos"].get(c.chunk_id, -1.0) for c in p.chunks)
            feats.append((cos, p.fused, p.paper_id in row["gold"]))
        ranked.append((row["q"], ranks, feats))
    return rank_metrics([(q, ranks) for q, ranks, _ in ranked]), ranked


def fit_calibration(ranked) -> dict:
    features, labels = [], []
    for q, _, feats in ranked:
        for cos, fused, gold in feats:
            features.append([cos, fused])
            labels.append(int(q["type"] != "absent" and gold))
    return fit_logistic(features, labels)


def grid():
    for dense_w, cand in itertools.product((0.2, 0.3, 0.4, 0.5, 0.7, 1.0), (60, 100, 150)):
        yield {"fusion": "convex", "dense_weight": dense_w, "bm25_weight": 1.0, "candidates": cand}
    for dense_w, k, cand in itertools.product((0.3, 0.5, 0.7, 1.0), (10, 30, 60), (60, 150)):
        yield {"fusion": "rrf", "dense_weight": dense_w, "bm25_weight": 1.0, "rrf_k": k, "candidates": cand}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", action="append", required=True)
    parser.add_argument("--depth", type=int, default=150, help="chunks fetched per retriever and question")
    parser.add_argument("--out", default=None)
    parser.add_argument("--fit", default=None, help="fit the calibration for one setting, e.g. fusion=convex,dense_weight=0.4,candidates=150")
    parser.add_argument("--fit-on", type=int, nargs="+", default=None,
                        help="indexes of the --data-dir stores to fit on (default all); leave out stores whose distractors hold unlabelled relevant papers")
    args = parser.parse_args()
    questions = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    stores = {d: collect(d, questions, args.depth) for d in args.data_dir}
    base = Assistant(data_dir=args.data_dir[0]).settings.retrieval
    if args.fit:
        setting = {k: (v if k == "fusion" else float(v)) for k, v in (pair.split("=") for pair in args.fit.split(","))}
        candidates = int(setting.pop("candidates", base.candidates))
        settings = base.model_copy(update=setting)
        chosen = [args.data_dir[i] for i in (args.fit_on or range(len(args.data_dir)))]
        ranked = [r for d in chosen for r in evaluate(stores[d], settings, candidates)[1]]
        print(json.dumps({"fitted_on": chosen, **fit_calibration(ranked)}))
        return 0
    results = []
    for setting in grid():
        settings = base.model_copy(update={k: v for k, v in setting.items() if k != "candidates"})
        per_store = {d: evaluate(rows, settings, setting["candidates"])[0] for d, rows in stores.items()}
        results.append({"setting": setting, "stores": per_store})
        print(json.dumps({**setting, **{Path(d).name: {k: round(v, 3) for k, v in m.items()} for d, m in per_store.items()}}), flush=True)
    report = {"stores": args.data_dir, "results": results}
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
