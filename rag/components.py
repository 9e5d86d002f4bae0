"""The one place that builds the parts of an assistant from Settings and wires them together.

Each part is built on first use, so commands that need little (``rag stats``) start fast,
and any part can be handed in ready-made (tests, benchmarks, a shared embedding model):

>>> from rag.settings import load_settings
>>> parts = Components(load_settings(overrides={"data_dir": "/tmp/rag-doc"}))
>>> parts.layout.catalog_path.name
'catalog.sqlite'
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

from rag.settings import Settings
from rag.storage.layout import StoreLayout
from rag.storage.state import CollectionState

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
    from rag.storage.sentences import SentenceVectorStore
    from rag.storage.vectors import ChromaStore

# The parts that hold a view of the stored collection, replaced together when it changes.
_VIEW_PARTS = ("store", "bm25", "retriever", "search", "planned_search", "answerer")
_PARTS = ("embedder", "catalog", "store", "bm25", "retriever", "search", "planner", "planned_search", "answerer", "sentence_vectors",
          "sentence_store")


class Components:
    """The parts of one assistant over one collection.

    ``parts`` may give any of: embedder, catalog, store, bm25, retriever, search, planner,
    planned_search, answerer, sentence_vectors, sentence_store (built from settings otherwise), and ``relevance_llm``, a
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
        self.layout.prepare()
        self.relevance_llm = relevance_llm
        self._parts: dict[str, Any] = dict(parts)
        self._injected = set(parts)
        self._models: dict[str, ChatModel] = {}  # loaded answer models by backend name; a GGUF loads once
        self.state = CollectionState(self.layout.state_path)
        self._view_lock = threading.Lock()
        self._build_lock = threading.RLock()
        self._view_stamp: int | None = None  # the state stamp the current view was read at
        self._readers = 0
        self.view_moves = 0

    # -- the view of the stored collection -----------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold one consistent view of the collection for a request (a question, a retrieval).

        When another process has changed the collection since the view was read (its state
        stamp moved), the view moves first, all parts at once: the Chroma client is closed
        and store, BM25 index and the parts built on them are rebuilt on next use. It moves
        only between requests (none in flight here) and while no ingest writes (the data-dir
        lock is free); until then the last complete state answers.
        """
        with self._view_lock:
            if self._readers == 0:
                self._move_view_if_changed()
            self._readers += 1
        try:
            yield
        finally:
            with self._view_lock:
                self._readers -= 1

    def _move_view_if_changed(self) -> None:
        stamp = self.state.stamp()
        if self._view_stamp is None or stamp == self._view_stamp:
            self._view_stamp = stamp
            return
        if self._injected & set(_VIEW_PARTS):
            self._view_stamp = stamp  # a part handed in ready-made is the caller's to refresh
            return
        with self.layout.lock().try_hold() as free:
            if not free:
                return
            with self._build_lock:
                store = self._parts.get("store")
                for name in _VIEW_PARTS:
                    self._parts.pop(name, None)
            if store is not None:
                store.close()
            self._view_stamp = stamp
            self.view_moves += 1

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around an ingest through this object's own parts: its view stays current, so it need not move."""
        before = self.state.stamp()
        try:
            yield
        finally:
            with self._view_lock:
                if self._view_stamp in (None, before):
                    self._view_stamp = self.state.stamp()

    def _part(self, name: str, build: Callable[[], Any]) -> Any:
        # Locked (re-entrantly: builders ask for the parts they need): `rag serve` warms up in one
        # thread while the first question arrives in another, and two Chroma clients created at
        # once on one path break each other ("RustBindingsAPI object has no attribute bindings").
        with self._build_lock:
            if name not in self._parts:
                self._parts[name] = build()
            return self._parts[name]

    @property
    def embedder(self):
        from rag.embedding import LazyEmbedder

        return self._part("embedder", lambda: LazyEmbedder(self.settings.embedding))

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

        return self._part("sentence_vectors", lambda: SentenceVectors(self.embedder, store=self.sentence_store))

    @property
    def sentence_store(self) -> SentenceVectorStore:
        """The data dir's stored title and sentence vectors for the configured model (rag.storage.sentences)."""
        from rag.storage.sentences import SentenceVectorStore

        return self._part("sentence_store", lambda: SentenceVectorStore(self.layout.sentences_path, self.embedder.name))

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
        with self._build_lock:  # a GGUF loads once, even when two questions arrive together
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
            max_abstract_chars=self.settings.ingest.max_abstract_chars,
            embedder=self.embedder,
            chunker=self.chunker,
            store=self.store,
            catalog=self.catalog,
            listeners=[self.bm25],
            progress=progress,
            state=self.state,
            prebuilt_vectors=self.settings.ingest.prebuilt_vectors,
            sentence_store=self.sentence_store,
        )
