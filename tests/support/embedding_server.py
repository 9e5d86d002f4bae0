"""A minimal OpenAI-compatible /v1/embeddings server over the local MiniLM, for tests only.

Why not a real server: infinity-emb (the obvious choice) would need its own venv with a
second torch install and a model download path; see tests/test_embedding_remote.py for
what was tried. This one runs the real model behind real HTTP (uvicorn on loopback), and
can require an API key or fail the first N requests, to exercise retries.
"""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel


class EmbeddingRequest(BaseModel):
    model: str
    input: list[str] | str
    encoding_format: str | None = None


class EmbeddingServer:
    """Serves ``embed(texts) -> np.ndarray`` at http://127.0.0.1:PORT/v1/embeddings in a thread."""

    def __init__(self, embed, port: int, api_key: str | None = None, fail_first: int = 0):
        self.embed, self.port, self.api_key, self.fail_first = embed, port, api_key, fail_first
        self.requests: list[int] = []  # batch size of every request that reached the model
        self.app = FastAPI()
        self.app.post("/v1/embeddings")(self._handle)
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="error"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def _handle(self, body: EmbeddingRequest, authorization: str | None = Header(None)):
        if self.api_key and authorization != f"Bearer {self.api_key}":
            raise HTTPException(401, "invalid api key")
        if self.fail_first > 0:
            self.fail_first -= 1
            raise HTTPException(503, "warming up")
        texts = [body.input] if isinstance(body.input, str) else body.input
        self.requests.append(len(texts))
        vectors = self.embed(texts)
        # Reversed on purpose: clients must order by "index", not by position.
        data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)][::-1]
        return {"object": "list", "data": data, "model": body.model, "usage": {"prompt_tokens": 0, "total_tokens": 0}}

    def __enter__(self) -> "EmbeddingServer":
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("test embedding server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
