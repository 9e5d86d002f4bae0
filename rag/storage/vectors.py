"""The Chroma vector store: embedded PersistentClient by default, a server over HTTP on request.

We talk to chromadb directly rather than through llama-index's ChromaVectorStore because
we need array metadata for filters, explicit embeddings on every call (Chroma's default
embedding function downloads a model, which fails offline), and the collection-level
record of which embedding model filled it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from rag.errors import StoreUnavailable, UserError
from rag.settings import ChromaSettings
from rag.types import ChunkMatch

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _connect(settings: ChromaSettings, data_dir: Path):
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    client_settings = ChromaClientSettings(anonymized_telemetry=False)
    if settings.host:
        try:
            return chromadb.HttpClient(host=settings.host, port=settings.port, ssl=settings.ssl, settings=client_settings)
        except Exception as exc:  # noqa: BLE001 - chromadb raises several types for "cannot connect"
            raise StoreUnavailable(
                f"cannot reach the Chroma server at {settings.host}:{settings.port} ({type(exc).__name__}); "
                "start it with `chroma run --path DIR --port PORT` or unset chroma.host / RAG_CHROMA_HOST"
            ) from None
    data_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=client_settings)


def retry_while_locked(call, patience_s: float = 10.0):
    """``call()``, retried while the embedded store's SQLite file is locked by another connection.

    Chroma's Rust binding gives up at once on a lock ("database is locked"), and a lock is held only
    for the length of one write: by another process (ingest while `rag serve` reads) or by a client
    in this process that was just closed and has not released its pool yet (seen in the suite on a
    loaded machine). Waiting a moment is what SQLite's own busy timeout would have done.
    """
    deadline, pause = time.monotonic() + patience_s, 0.05
    while True:
        try:
            return call()
        except Exception as exc:  # only the lock is retried; anything else is the caller's to handle
            if "database is locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def store_location(settings: ChromaSettings, data_dir: Path) -> str:
    """Where the vectors live, as shown to users; computable without connecting."""
    if settings.host:
        return f"http://{settings.host}:{settings.port} (collection {settings.collection})"
    return str(data_dir / "chroma")


class ChromaStore:
    """Chunks with their vectors and metadata, in one Chroma collection."""

    def __init__(self, settings: ChromaSettings, data_dir: Path, model_name: str):
        self.settings = settings
        self.location = store_location(settings, data_dir)
        self.client = _connect(settings, data_dir)
        self._model_name_for_open = model_name
        self._stale = False
        self.collection = self._open()
        stored_model = (self.collection.metadata or {}).get("embedding_model")
        if stored_model != model_name:
            raise UserError(
                f"the store at {self.location} was built with embedding model '{stored_model}', "
                f"not '{model_name}'; use the same model or a new --data-dir"
            )
        self.model_name = model_name

    def _open(self):
        ef = self.settings.hnsw_ef_search
        collection = self._guard(
            lambda: self.client.get_or_create_collection(
                self.settings.collection,
                metadata={"embedding_model": self._model_name_for_open},
                configuration={"hnsw": {"space": "cosine", "ef_search": ef}},
                embedding_function=None,
            )
        )
        hnsw = (getattr(collection, "configuration", None) or {}).get("hnsw") or {}
        if hnsw.get("ef_search", ef) != ef:
            # ef_search is the one HNSW parameter Chroma lets an existing collection change; it
            # applies when the index is next loaded, which for a fresh process is the first query.
            self._guard(lambda: collection.modify(configuration={"hnsw": {"ef_search": ef}}))
        return collection

    def _check_dimension(self, dimension: int) -> None:
        """The dimension is recorded with the first write, and every later vector must match it."""
        stored = (self.collection.metadata or {}).get("embedding_dim")
        if stored is None:
            # Read inside the retried call: after waiting out another writer's lock, its metadata is kept.
            self._guard(lambda: self.collection.modify(metadata={**(self.collection.metadata or {}), "embedding_dim": int(dimension)}))
        elif int(stored) != int(dimension):
            raise UserError(
                f"the store at {self.location} holds {stored}-dim vectors but the model gives {dimension}-dim; "
                "use the model that built it or a new --data-dir"
            )

    def _guard(self, call):
        """Turn connection failures into a one-line StoreUnavailable.

        After a failure the next call re-fetches the collection first: a restarted server
        may hold it under a new id, and a long-lived Assistant (`rag serve`) must recover
        without being rebuilt.
        """
        try:
            if self._stale:
                self._stale = False
                self.collection = self._open()
            return retry_while_locked(call)
        except UserError:
            raise
        except Exception as exc:  # re-raised below unless it is a connection failure
            text = f"{type(exc).__name__}: {exc}".lower()
            if self.settings.host and any(w in text for w in ("connect", "refused", "timeout", "timed out", "unavailable")):
                self._stale = True
                raise StoreUnavailable(
                    f"cannot reach the Chroma server at {self.settings.host}:{self.settings.port}; "
                    "check that `chroma run` is up, then retry"
                ) from None
            raise

    def close(self) -> None:
        """Release the client, so the next embedded client on this path reads the store afresh from disk."""
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a client whose server went away is not an error worth raising
            pass

    def count(self) -> int:
        return self._guard(lambda: self.collection.count())

    def encoders(self) -> list[str]:
        """The encoder variants that wrote vectors here, oldest first (see Embedder.variant)."""
        recorded = (self.collection.metadata or {}).get("embedding_encoders") or ""
        return [v for v in recorded.split(",") if v]

    def record_encoder(self, variant: str) -> None:
        """Remember that ``variant`` wrote vectors here (once per variant), so a store says what built it."""
        if variant in self.encoders():
            return
        self._guard(lambda: self.collection.modify(
            metadata={**(self.collection.metadata or {}), "embedding_encoders": ",".join([*self.encoders(), variant])}))

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, documents: Sequence[str], metadatas: Sequence[dict]) -> None:
        if len(ids):
            self._check_dimension(vectors.shape[1])
        # Chroma caps a single write; stay well under it.
        step = 2000
        for start in range(0, len(ids), step):
            end = start + step
            self._guard(
                lambda: self.collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=vectors[start:end],
                    documents=list(documents[start:end]),
                    metadatas=list(metadatas[start:end]),
                )
            )

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        if ids:
            self._guard(lambda: self.collection.update(ids=list(ids), metadatas=list(metadatas)))

    def chunk_ids_for(self, paper_ids: Sequence[str]) -> list[str]:
        if not paper_ids:
            return []
        found = self._guard(lambda: self.collection.get(where={"paper_id": {"$in": list(paper_ids)}}, include=[]))
        return list(found["ids"])

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self._guard(lambda: self.collection.delete(ids=list(ids)))

    def get(self, ids: Sequence[str] | None = None, where: dict | None = None, include=("metadatas", "documents")) -> dict[str, Any]:
        return self._guard(lambda: self.collection.get(ids=list(ids) if ids else None, where=where, include=list(include)))

    def search(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[ChunkMatch]:
        """The ``n`` chunks nearest to ``vector`` (cosine), best first, optionally within a ``where`` filter."""
        self._check_dimension(len(vector))
        n = max(1, min(n, self.count() or 1))
        result = self._guard(
            lambda: self.collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=n,
                where=where,
                include=["metadatas", "documents", "distances"],
            )
        )
        return [
            ChunkMatch(cid, meta["paper_id"], 1.0 - float(dist), doc, 1.0 - float(dist))
            for cid, doc, meta, dist in zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])
        ]

    def iter_documents(self, page: int = 5000) -> Iterator[tuple[list[str], list[str]]]:
        """Every chunk's (ids, texts), a page at a time, so a full scan keeps memory bounded."""
        offset = 0
        while True:
            got = self._guard(lambda: self.collection.get(include=["documents"], limit=page, offset=offset))
            ids = list(got["ids"])
            if not ids:
                return
            yield ids, list(got["documents"])
            offset += len(ids)

    def paper_vectors(self, paper_ids: Sequence[str] | None = None, limit: int | None = None) -> dict[str, np.ndarray]:
        """Each paper's vector: the L2-normalised mean of its chunk vectors, so a long abstract counts once.

        ``paper_ids`` None means every paper, reading at most ``limit`` chunks.
        """
        where = {"paper_id": {"$in": list(paper_ids)}} if paper_ids is not None else None
        if paper_ids is not None and not paper_ids:
            return {}
        got = self._guard(lambda: self.collection.get(where=where, include=["metadatas", "embeddings"], limit=limit))
        by_paper: dict[str, list[np.ndarray]] = {}
        for meta, emb in zip(got["metadatas"], got["embeddings"]):
            by_paper.setdefault(meta["paper_id"], []).append(np.asarray(emb, dtype=np.float32))
        out = {}
        for pid, vectors in by_paper.items():
            mean = np.mean(vectors, axis=0)
            out[pid] = mean / (np.linalg.norm(mean) or 1.0)
        return out
