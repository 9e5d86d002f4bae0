"""BM25 side at arXiv scale, without embedding anything: build, incremental add, query latency.

    python eval/bench_bm25_scale.py [--limit N] [--out docs/bench/bm25-scale.json]

Reads title+abstract from /work/shared/data/arxiv-cs-2025.jsonl.gz (74,728 papers), splits
each abstract into ~120-word pieces (the real chunker gives ~1.7 chunks per paper), and
feeds them to the same TermIndex the product uses, in ingest-sized batches of 512 papers
with the same segment-merge policy. Then it times, on the full index: one dev question
(tokenise + score + top-100), adding one paper (the incremental path), and a full rebuild
from the already tokenised text (the in-run baseline that the incremental path avoids).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.storage.bm25 import BM25Tokenizer, TermIndex
from rag.settings import RetrievalSettings

DUMP = Path("/work/shared/data/arxiv-cs-2025.jsonl.gz")
QUESTIONS = Path(__file__).resolve().parent / "questions" / "dev.jsonl"


def chunks(limit: int | None):
    with gzip.open(DUMP, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                break
            paper = json.loads(line)
            words = " ".join(str(paper.get("abstract", "")).split()).split(" ")
            title = " ".join(str(paper.get("title", "")).split())
            for i, start in enumerate(range(0, max(len(words), 1), 120)):
                yield f"p{n}#{i}", f"p{n}", title + "\n" + " ".join(words[start : start + 120])


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", default="docs/bench/bm25-scale.json")
    # eval/bench_all.sh passes --data-dir to every script; this one builds its own index from the dump.
    parser.add_argument("--data-dir", default=None, help="ignored")
    args = parser.parse_args()
    settings = RetrievalSettings()
    tokenizer = BM25Tokenizer()
    index = TermIndex()
    all_ids, all_pids, all_tokens = [], [], []
    batch: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    tokenise_s = 0.0

    def flush():
        nonlocal tokenise_s
        t = time.perf_counter()
        tokens = tokenizer.tokenize([text for _, _, text in batch])
        tokenise_s += time.perf_counter() - t
        ids, pids = [c for c, _, _ in batch], [p for _, p, _ in batch]
        index.kill(ids)
        index.add(ids, pids, tokens)
        if len(index.segments) > settings.bm25_max_segments:
            index.compact()
        all_ids.extend(ids)
        all_pids.extend(pids)
        all_tokens.extend(tokens)
        batch.clear()

    papers_in_batch, last = 0, None
    for cid, pid, text in chunks(args.limit):
        if pid != last:
            papers_in_batch += 1
            last = pid
            if papers_in_batch > 512:
                flush()
                papers_in_batch = 1
        batch.append((cid, pid, text))
    flush()
    build_s = time.perf_counter() - started
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    latencies = []
    for _ in range(2):  # first pass warms caches; the second is timed
        latencies.clear()
        for q in questions:
            t = time.perf_counter()
            scores = index.score(tokenizer.tokenize([q])[0], settings.bm25_k1, settings.bm25_b)
            top = np.argpartition(-scores, 100)[:100]
            top[np.argsort(-scores[top])]
            latencies.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    index.kill(["new#0"])
    index.add(["new#0"], ["new"], tokenizer.tokenize(["A brand new paper about zorbified retrieval lattices."]))
    add_one_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    rebuilt = TermIndex()
    rebuilt.add(all_ids, all_pids, all_tokens)
    rebuild_s = time.perf_counter() - t
    report = {
        "papers": len(set(all_pids)), "chunks": index.live, "terms": len(index.terms), "segments": len(index.segments),
        "incremental_build_s": round(build_s, 1), "of_which_tokenise_s": round(tokenise_s, 1),
        "query_p50_ms": round(percentile(latencies, 0.5), 1), "query_p95_ms": round(percentile(latencies, 0.95), 1),
        "add_one_paper_ms": round(add_one_ms, 1), "full_rebuild_from_tokens_s": round(rebuild_s, 2),
        "cpu_count": os.cpu_count(), "load_avg": os.getloadavg(),
    }
    print(json.dumps(report))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
