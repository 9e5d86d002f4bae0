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
from rag.settings import RetrievalFilters, Settings, load_settings


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
        self._bm25 = None
        # Any `complete(prompt) -> str` callable; used by retrieval.llm_relevance (set by the answering layer).
        self.relevance_llm: Callable[[str], str] | None = None
        self._models: dict[str, Any] = {}  # loaded answer models by backend name; a GGUF loads once
        self._answerer = None

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

    def _beside_store(self, kind: str) -> str:
        """Name of a side file kept next to the store: one per Chroma server and collection."""
        chroma = self.settings.chroma
        if not chroma.host:
            return kind
        return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{kind}-{chroma.host}-{chroma.port}-{chroma.collection}")

    @property
    def catalog(self) -> PaperCatalog:
        if self._catalog is None:
            self._catalog = PaperCatalog(self.data_dir / f"{self._beside_store('catalog')}.sqlite")
        return self._catalog

    @property
    def store(self):
        if self._store is None:
            from rag.store import ChromaStore

            self._store = ChromaStore(self.settings.chroma, self.data_dir, self.embedder.name)
        return self._store

    @property
    def bm25(self):
        """The BM25 index next to the store (kept in step by ingest; rebuilt if missing or stale)."""
        if self._bm25 is None:
            from rag.retrieval.lexical_store import BM25Store

            self._bm25 = BM25Store(self.settings.retrieval, self.data_dir / self._beside_store("bm25"), self.store)
        return self._bm25

    def _chunk_listeners(self) -> list:
        return [self.bm25]

    def _rerankers(self) -> list:
        from rag.retrieval.rerank import CrossEncoderReranker, LLMRelevanceScorer

        settings = self.settings.retrieval
        out: list = []
        if settings.rerank_model:
            out.append(CrossEncoderReranker(settings.rerank_model, settings.rerank_top_n))
        if settings.llm_relevance:
            if self.relevance_llm is None and self.settings.answer.backend != "extractive":
                self.relevance_llm = self.completion_fn()  # the configured answer model doubles as the relevance judge
            if self.relevance_llm is None:
                raise UserError("retrieval.llm_relevance is on but no LLM is plugged in; set assistant.relevance_llm or turn it off")
            out.append(LLMRelevanceScorer(self.relevance_llm, settings.rerank_top_n))
        return out

    @property
    def retriever(self):
        if self._retriever is None:
            from rag.retrieval import HybridRetriever

            self._retriever = HybridRetriever(self.settings.retrieval, self.store, self.catalog, self.embedder, self.bm25, self._rerankers())
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
        from rag.store import store_location

        counts = self.catalog.stats()
        location = store_location(self.settings.chroma, self.data_dir)
        return CollectionStats(counts["papers"], counts["chunks"], counts["sources"], self.embedder.name, location)

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
        if self.catalog.is_empty():
            raise UserError("the collection is empty; ingest something first: rag ingest PATH")

    def model(self, backend: str):
        """The loaded model of an answer backend ('local' or 'openai'); raises BackendUnavailable."""
        if backend not in self._models:
            from rag.answer.llm import create_model

            self._models[backend] = create_model(backend, self.settings.local_llm, self.settings.openai)
        return self._models[backend]

    def completion_fn(self, backend: str | None = None) -> Callable[[str], str] | None:
        """``complete(prompt) -> str`` of the configured model backend, or None for 'extractive'.

        For other steps that want a model, e.g. retrieval's LLM relevance scores.

        >>> Assistant(data_dir="/tmp/rag-doc").completion_fn("extractive") is None
        True
        """
        backend = backend or self.settings.answer.backend
        return None if backend == "extractive" else self.model(backend).complete

    @property
    def answerer(self):
        if self._answerer is None:
            from rag.answer.pipeline import AnswerPipeline

            self._answerer = AnswerPipeline(self.settings.answer, self.retrieve, self.embedder, self.model)
        return self._answerer

    def stream(self, question: str, history: list[dict] | None = None, filters: dict | None = None,
               backend: str | None = None, top_k: int | None = None):
        """Yield TextDelta events as the answer is written, then the final validated Answer.

        >>> for event in assistant.stream("What does Medusa add to an LLM?"):  # doctest: +SKIP
        ...     print(getattr(event, "text", ""), end="")
        """
        question = self._check_question(question)
        return self.answerer.stream(question, history=history, filters=filters, backend=backend, top_k=top_k)

    def ask(self, question: str, history: list[dict] | None = None, filters: dict | None = None,
            backend: str | None = None, top_k: int | None = None):
        """A cited answer (an ``rag.answer.types.Answer``) to ``question``.

        >>> answer = assistant.ask("What speedup does Medusa report?")  # doctest: +SKIP
        >>> answer.text, [c.title for c in answer.citations]           # doctest: +SKIP
        """
        question = self._check_question(question)
        return self.answerer.run(question, history=history, filters=filters, backend=backend, top_k=top_k)

    def retrieve(self, question: str, top_k: int | None = None, filters: "dict | RetrievalFilters | None" = None,
                 mode: str | None = None) -> list[Hit]:
        """The papers most relevant to ``question``, best first, each with a calibrated score in [0, 1].

        ``filters`` keys: year_from, year_to, author, category, source, paper_ids (see
        rag.settings.RetrievalFilters); ``mode`` is hybrid, dense or bm25 (default: settings).

        >>> Assistant(data_dir="/tmp/rag-doc").retrieve("speculative decoding", filters={"year_from": 2024})  # doctest: +SKIP
        """
        from rag.retrieval.filters import FilterResolver, parse_filters

        question = self._check_question(question)
        if mode is not None and mode not in ("hybrid", "dense", "bm25"):
            raise UserError(f"unknown retrieval mode '{mode}'; use hybrid, dense or bm25")
        self._check_not_empty()
        plan = FilterResolver(self.catalog).run(parse_filters(filters, self.settings.retrieval.filters))
        return self.retriever.run(question, top_k or self.settings.retrieval.top_k, plan, mode)

    def similar(self, paper_id_or_text: str, top_k: int = 10) -> list[Hit]:
        """Papers related to a stored paper (by id) or to a piece of text; the paper itself is left out.

        >>> Assistant(data_dir="/tmp/rag-doc").similar("title:002813709401b596", top_k=5)  # doctest: +SKIP
        """
        from rag.chunking import TitleChunker
        from rag.retrieval.similar import SimilarPapers

        if not isinstance(paper_id_or_text, str) or not paper_id_or_text.strip():
            raise UserError("give a paper id (see `rag retrieve --json`) or a piece of text to find similar papers")
        self._check_not_empty()
        paper_id_or_text = paper_id_or_text[: self.settings.retrieval.max_question_chars * 10]
        embedder = self.embedder
        chunker = TitleChunker(self.settings.chunking, embedder.tokenize, embedder.max_tokens)
        return SimilarPapers(self.settings.retrieval, self.store, self.catalog, embedder, chunker).run(paper_id_or_text, top_k)
