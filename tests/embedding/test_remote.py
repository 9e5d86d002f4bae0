"""RemoteEmbedder against a real HTTP embeddings server on loopback.

The server is tests/support/embedding_server.py (FastAPI + uvicorn serving the real local
MiniLM), not infinity-emb: see that file's docstring for why. Everything on the client
side (HTTP, batching, retries, errors, ingest) is the real code path.
"""

from __future__ import annotations

import pytest

from rag import Assistant
from rag.embedding.local import SentenceTransformerEmbedder
from rag.embedding.remote import RemoteEmbedder, embeddings_url
from rag.errors import BackendUnavailable, UserError
from rag.settings import EmbeddingSettings
from support import ROOT, free_port
from support.embedding_server import EmbeddingServer

TEXTS = ["concept erasure in diffusion models", "speculative decoding", "x", "graph neural networks", "token pruning"]


@pytest.fixture(scope="module")
def local():
    return SentenceTransformerEmbedder(EmbeddingSettings())


def _settings(port: int, **extra) -> EmbeddingSettings:
    return EmbeddingSettings(backend="openai", base_url=f"http://127.0.0.1:{port}/v1", remote_model="minilm-test", **extra)


def test_url_accepts_base_with_or_without_v1():
    assert embeddings_url("http://h:1") == embeddings_url("http://h:1/v1/") == "http://h:1/v1/embeddings"


def test_vectors_match_the_local_model_and_requests_are_batched(local):
    with EmbeddingServer(local.embed, free_port()) as server:
        remote = RemoteEmbedder(_settings(server.port, remote_batch=2))
        vectors = remote.embed(TEXTS)
    assert remote.name == "minilm-test" and remote.dimension == 384
    assert ((vectors * local.embed(TEXTS)).sum(axis=1) > 0.9999).all()
    assert server.requests == [1, 2, 2, 1]  # the probe, then batches of at most 2
    assert remote.tokenize("speculative decoding") == local.tokenize("speculative decoding")


def test_transient_failures_are_retried(local):
    with EmbeddingServer(local.embed, free_port(), fail_first=2) as server:
        remote = RemoteEmbedder(_settings(server.port, retries=2))
        assert remote.embed(TEXTS[:1]).shape == (1, 384)


def test_wrong_key_is_one_line_and_never_shows_the_key(local, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDING_API_KEY", "sk-wrong-secret")
    with EmbeddingServer(local.embed, free_port(), api_key="sk-right") as server:
        with pytest.raises(UserError) as info:
            RemoteEmbedder(_settings(server.port))
    message = str(info.value)
    assert "RAG_EMBEDDING_API_KEY" in message and "sk-wrong-secret" not in message and "\n" not in message


def test_unreachable_server_is_one_line():
    with pytest.raises(BackendUnavailable, match="failed after 2 tries") as info:
        RemoteEmbedder(_settings(free_port(), retries=1, timeout_s=2))
    assert "\n" not in str(info.value)


def test_missing_base_url_names_the_setting():
    with pytest.raises(UserError, match="embedding.base_url"):
        RemoteEmbedder(EmbeddingSettings(backend="openai"))


def test_ingest_and_retrieve_through_the_remote_backend(local, tmp_path):
    with EmbeddingServer(local.embed, free_port()) as server:
        assistant = Assistant(data_dir=tmp_path, embedding={"backend": "openai", "base_url": f"http://127.0.0.1:{server.port}", "remote_model": "minilm-test"})
        report = assistant.ingest([ROOT / "tests" / "fixtures" / "arxiv.jsonl"])
        assert report.added > 0 and report.chunks_written == assistant.components.store.count()
        hits = assistant.retrieve(assistant.components.catalog.iter_papers().__next__().title, top_k=1)
    assert assistant.stats().embedding_model == "minilm-test"
    assert hits and hits[0].score > 0.5
