"""llama.cpp's own OpenAI-compatible HTTP server, started through xllamacpp for the tests.

xllamacpp's Server runs llama.cpp's C++ server (the one `llama-server` runs) and listens on
loopback; the parameters are the local backend's own (rag.answer.llm.llama_server_params), with
a fixed port and key. This script keeps the process alive until the test session stops it.

    python tests/support/llama_server.py MODEL.gguf --port 8080 --api-key KEY
"""

from __future__ import annotations

import argparse
import threading

import xllamacpp

from rag.answer.llm import llama_server_params
from rag.settings import LocalLLMSettings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = LocalLLMSettings(n_ctx=args.n_ctx, n_threads=args.threads)
    params = llama_server_params(settings, args.model, port=args.port, api_key=args.api_key)
    params.model_alias = "smollm2"
    server = xllamacpp.Server(params)
    print(f"listening on {server.listening_address}", flush=True)
    threading.Event().wait()  # serve until terminated


if __name__ == "__main__":
    main()
