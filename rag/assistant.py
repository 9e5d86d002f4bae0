"""The public entry point: one object that ingests, retrieves and answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from rag.catalog import PaperCatalog
from rag.errors import UserError
from rag.ingest import IngestPipeline, IngestReport
from rag.records import Hit
from rag.settings import Settings, load_settings


@dataclass
class CollectionStats:
    """What `rag stats` prints."""

    papers: int
    chunks: int
    sources: list[str]
    embedding_model: str
    store_location: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _flatten(overrides: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


class Assistant:
    """Question answering over a collection of paper abstracts.

    Heavy parts (the embedding model, the store) load on first use, so constructing an
    Assistant is cheap.

    >>> from rag import Assistant
    >>> assistant = Assistant(data_dir="/tmp/rag-doc")
    >>> report = assistant.ingest(["data/sample"])          # doctest: +SKIP
    >>> hits = assistant.retrieve("erasing concepts from diffusion models", top_k=5)  # doctest: +SKIP
    >>> hits[0].title, round(hits[0].score, 2)              # doctest: +SKIP
    """

    def __init__(self, data_dir: str | Path | None = None, settings: Settings | None = None, **overrides: Any):
        if settings is None:
            settings = load_settings(overrides=_flatten(overrides))
        elif overrides:
            settings = load_settings(overrides={**_flatten(settings.model_dump(exclude_none=True)), **_flatten(overrides)})
        if data_dir is not None:
            settings = settings.model_copy(update={"data_dir": Path(data_dir)})
        self.settings = settings
        self.data_dir = settings.resolved_data_dir()
        self._embedder = None
        self._store = None
        self._catalog: PaperCatalog | None = None
        self._retriever = None

    @classmethod
    def from_config(cls, path: str | Path, data_dir: str | Path | None = None, **overrides: Any) -> "Assistant":
        """Build from a YAML file (e.g. ``config/default.yaml``) plus keyword overrides."""
        settings = load_settings(path, overrides=_flatten(overrides))
        return cls(data_dir=data_dir, settings=settings)

    # -- lazily built parts -------------------------------------------------------------

    @property
    def embedder(self):
        if self._embedder is None:
            from rag.embedding import LazyEmbedder

            self._embedder = LazyEmbedder(self.settings.embedding, cache_dir=self.data_dir / "models")
        return self._embedder

    @property
    def catalog(self) -> PaperCatalog:
        if self._catalog is None:
            chroma = self.settings.chroma
            name = "catalog.sqlite"
            if chroma.host:
                safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{chroma.host}-{chroma.port}-{chroma.collection}")
                name = f"catalog-{safe}.sqlite"
            self._catalog = PaperCatalog(self.data_dir / name)
        return self._catalog

    @property
    def store(self):
        if self._store is None:
            from rag.store import ChromaStore

            self._store = ChromaStore(self.settings.chroma, self.data_dir, self.embedder.name)
        return self._store

    def _chunk_listeners(self) -> list:
        return []

    @property
    def retriever(self):
        if self._retriever is None:
            from rag.retrieval import DenseRetriever

            self._retriever = DenseRetriever(self.settings.retrieval, self.store, self.catalog, self.embedder)
        return self._retriever

    # -- public API -----------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path], progress: Callable[[int, int | None], None] | None = None) -> IngestReport:
        """Add or update papers from files and folders; returns what changed."""
        from rag.chunking import TitleChunker

        paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        embedder = self.embedder
        pipeline = IngestPipeline(
            data_dir=self.data_dir,
            batch_papers=self.settings.ingest.batch_papers,
            lock_timeout_s=self.settings.ingest.lock_timeout_s,
            embedder=embedder,
            chunker=lambda: TitleChunker(self.settings.chunking, embedder.tokenize, embedder.max_tokens),
            store=self.store,
            catalog=self.catalog,
            listeners=self._chunk_listeners(),
            progress=progress,
        )
        return pipeline.run(paths)

    def stats(self) -> CollectionStats:
        """Papers, chunks, sources, embedding model and store location, without loading the model."""
        counts = self.catalog.stats()
        chroma = self.settings.chroma
        location = f"http://{chroma.host}:{chroma.port} (collection {chroma.collection})" if chroma.host else str(self.data_dir / "chroma")
        model = self.embedder.name
        return CollectionStats(counts["papers"], counts["chunks"], counts["sources"], model, location)

    def _check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise UserError("the question is empty; type a question about the collection")
        limit = self.settings.retrieval.max_question_chars
        if len(question) > limit:
            import warnings

            warnings.warn(f"question truncated from {len(question)} to {limit} characters", stacklevel=3)
            question = question[:limit]
        return question

    def _check_not_empty(self) -> None:
        if self.catalog.stats()["papers"] == 0:
            raise UserError("the collection is empty; ingest something first: rag ingest PATH")

    def retrieve(self, question: str, top_k: int | None = None, filters: dict | None = None) -> list[Hit]:
        """The papers most relevant to ``question``, best first, each with a calibrated score."""
        question = self._check_question(question)
        self._check_not_empty()
        return self.retriever.run(question, top_k or self.settings.retrieval.top_k, None)
