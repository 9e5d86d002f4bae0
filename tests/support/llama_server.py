"""llama.cpp's own OpenAI-compatible HTTP server, started through xllamacpp for the tests.

xllamacpp's Server runs llama.cpp's C++ server (the one `llama-server` runs) and listens on the
host and port given; this script only fills in its parameters and keeps the process alive until
the test session stops it.

    python tests/support/llama_server.py MODEL.gguf --port 8080 --api-key KEY
"""

from __future__ import annotations

import argparse
import threading

import xllamacpp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = "smollm2"
    params.n_ctx = args.n_ctx
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = args.threads
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    params.api_keys = [args.api_key]
    server = xllamacpp.Server(params)
    print(f"listening on {server.listening_address}", flush=True)
    threading.Event().wait()  # serve until terminated


if __name__ == "__main__":
    main()
