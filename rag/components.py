"""The one place that builds the parts of an assistant from Settings and wires them together.

Each part is built on first use, so commands that need little (``rag stats``) start fast,
and any part can be handed in ready-made (tests, benchmarks, a shared embedding model):

>>> from rag.settings import load_settings
>>> parts = Components(load_settings(overrides={"data_dir": "/tmp/rag-doc"}))
>>> parts.layout.catalog_path.name
'catalog.sqlite'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from rag.settings import Settings
from rag.storage.layout import StoreLayout

if TYPE_CHECKING:
    from rag.answer.llm import ChatModel
    from rag.answer.pipeline import AnswerPipeline
    from rag.embedding.cache import SentenceVectors
    from rag.ingest.chunking import TitleChunker
    from rag.ingest.pipeline import IngestPipeline
    from rag.question.planner import QuestionPlanner
    from rag.retrieval.hybrid import HybridRetriever
    from rag.retrieval.planned import PlannedSearch
    from rag.retrieval.search import PaperSearch
    from rag.storage.bm25 import BM25Store
    from rag.storage.catalog import PaperCatalog
    from rag.storage.vectors import ChromaStore

_PARTS = ("embedder", "catalog", "store", "bm25", "retriever", "search", "planner", "planned_search", "answerer", "sentence_vectors")


class Components:
    """The parts of one assistant over one collection.

    ``parts`` may give any of: embedder, catalog, store, bm25, retriever, search, planner,
    planned_search, answerer, sentence_vectors (built from settings otherwise), and ``relevance_llm``, a
    ``complete(prompt) -> str`` for retrieval's LLM relevance scores (by default the
    configured answer model). Heavy imports happen inside the builders, on first use.
    """

    def __init__(self, settings: Settings, relevance_llm: Callable[[str], str] | None = None, **parts: Any):
        unknown = sorted(set(parts) - set(_PARTS))
        if unknown:
            raise TypeError(f"unknown part {unknown[0]!r}; parts are {', '.join(_PARTS)}")
        self.settings = settings
        self.data_dir = settings.resolved_data_dir()
        self.layout = StoreLayout(self.data_dir, settings.chroma)
        self.relevance_llm = relevance_llm
        self._parts: dict[str, Any] = dict(parts)
        self._models: dict[str, ChatModel] = {}  # loaded answer models by backend name; a GGUF loads once

    def _part(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._parts:
            self._parts[name] = build()
        return self._parts[name]

    @property
    def embedder(self):
        from rag.embedding import LazyEmbedder

        return self._part("embedder", lambda: LazyEmbedder(self.settings.embedding, cache_dir=self.layout.models_dir))

    @property
    def catalog(self) -> PaperCatalog:
        from rag.storage.catalog import PaperCatalog

        return self._part("catalog", lambda: PaperCatalog(self.layout.catalog_path))

    @property
    def store(self) -> ChromaStore:
        from rag.storage.vectors import ChromaStore

        return self._part("store", lambda: ChromaStore(self.settings.chroma, self.data_dir, self.embedder.name))

    @property
    def bm25(self) -> BM25Store:
        """The BM25 index next to the store (kept in step by ingest; rebuilt if missing or stale)."""
        from rag.storage.bm25 import BM25Store

        return self._part("bm25", lambda: BM25Store(self.settings.retrieval, self.layout.bm25_dir, self.store, self.layout.lock()))

    @property
    def retriever(self) -> HybridRetriever:
        from rag.retrieval.hybrid import HybridRetriever
        from rag.retrieval.rerank import build_rerankers

        def build() -> HybridRetriever:
            rerankers = build_rerankers(self.settings.retrieval, self._relevance_llm)
            return HybridRetriever(self.settings.retrieval, self.store, self.catalog, self.embedder, self.bm25, rerankers)

        return self._part("retriever", build)

    def _relevance_llm(self) -> Callable[[str], str] | None:
        # The configured answer model doubles as the relevance judge unless one was given.
        return self.relevance_llm or self.completion_fn()

    @property
    def sentence_vectors(self) -> SentenceVectors:
        from rag.embedding.cache import SentenceVectors

        return self._part("sentence_vectors", lambda: SentenceVectors(self.embedder))

    @property
    def search(self) -> PaperSearch:
        from rag.retrieval.search import PaperSearch

        return self._part("search", lambda: PaperSearch(self.settings.retrieval, self.retriever, self.catalog))

    @property
    def planner(self) -> QuestionPlanner:
        from rag.question.planner import QuestionPlanner
        from rag.question.referents import Referents

        # A follow-up's earlier papers are read back by title when a client sends plain text history.
        return self._part("planner", lambda: QuestionPlanner(Referents(self.catalog.id_for_title)))

    @property
    def planned_search(self) -> PlannedSearch:
        from rag.retrieval.planned import PlannedSearch

        return self._part("planned_search", lambda: PlannedSearch(self.search, self.settings.answer.list_candidates))

    @property
    def answerer(self) -> AnswerPipeline:
        from rag.answer.pipeline import AnswerPipeline

        return self._part("answerer", lambda: AnswerPipeline(self.settings.answer, self.planner, self.planned_search, self.bm25,
                                                            self.sentence_vectors, self.model))

    def model(self, backend: str) -> ChatModel:
        """The loaded model of an answer backend ('local' or 'openai'); raises BackendUnavailable."""
        if backend not in self._models:
            from rag.answer.llm import create_model

            self._models[backend] = create_model(backend, self.settings.local_llm, self.settings.openai)
        return self._models[backend]

    def completion_fn(self, backend: str | None = None) -> Callable[[str], str] | None:
        """``complete(prompt) -> str`` of a model backend, or None for 'extractive'."""
        backend = backend or self.settings.answer.backend
        return None if backend == "extractive" else self.model(backend).complete

    def chunker(self) -> TitleChunker:
        from rag.ingest.chunking import TitleChunker

        embedder = self.embedder
        return TitleChunker(self.settings.chunking, embedder.tokenize, embedder.max_tokens)

    def ingest_pipeline(self, progress: Callable[[int, int | None], None] | None = None) -> IngestPipeline:
        from rag.ingest.pipeline import IngestPipeline

        return IngestPipeline(
            lock=self.layout.lock(),
            batch_papers=self.settings.ingest.batch_papers,
            lock_timeout_s=self.settings.ingest.lock_timeout_s,
            embedder=self.embedder,
            chunker=self.chunker,
            store=self.store,
            catalog=self.catalog,
            listeners=[self.bm25],
            progress=progress,
        )
