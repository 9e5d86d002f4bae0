"""The public entry point: one object that ingests, retrieves and answers. It holds no wiring (see rag.components)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from rag.components import Components
from rag.errors import UserError
from rag.ingest.pipeline import IngestReport
from rag.settings import RetrievalFilters, Settings, load_settings, override
from rag.settings.schema import MAX_TOP_K
from rag.types import Answer, Hit, PaperMeta, TextDelta


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


@dataclass
class PaperInfo:
    """One stored paper, as `Assistant.paper` returns it."""

    paper_id: str
    title: str
    abstract: str
    metadata: PaperMeta


class Assistant:
    """Question answering over a collection of paper abstracts.

    Heavy parts (the embedding model, the store) load on first use, so constructing an
    Assistant is cheap. ``components`` hands in ready-made parts (see rag.components).

    >>> from rag import Assistant
    >>> assistant = Assistant(data_dir="/tmp/rag-doc")
    >>> report = assistant.ingest(["data/sample"])          # doctest: +SKIP
    >>> hits = assistant.retrieve("erasing concepts from diffusion models", top_k=5)  # doctest: +SKIP
    >>> hits[0].title, round(hits[0].score, 2)              # doctest: +SKIP
    """

    def __init__(self, data_dir: str | Path | None = None, settings: Settings | None = None,
                 components: Components | None = None, **overrides: Any):
        if components is not None:
            settings = components.settings
        elif settings is None:
            settings = load_settings(overrides=overrides)
        else:
            settings = override(settings, overrides)
        if data_dir is not None:
            settings = settings.model_copy(update={"data_dir": Path(data_dir)})
        self.settings = settings
        self.components = components if components is not None and data_dir is None else Components(settings)
        self.data_dir = self.components.data_dir

    @classmethod
    def from_config(cls, path: str | Path, data_dir: str | Path | None = None, **overrides: Any) -> "Assistant":
        """Build from a YAML file (e.g. ``config/default.yaml``) plus keyword overrides."""
        return cls(data_dir=data_dir, settings=load_settings(path, overrides=overrides))

    # -- collection ------------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path], progress: Callable[[int, int | None], None] | None = None) -> IngestReport:
        """Add or update papers from files and folders; returns what changed."""
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        with self.components.writing():
            return self.components.ingest_pipeline(progress).ingest(paths)

    def stats(self) -> CollectionStats:
        """Papers, chunks, sources, embedding model and store location, without loading the model."""
        parts = self.components
        counts = parts.catalog.stats()
        return CollectionStats(counts["papers"], counts["chunks"], counts["sources"], parts.embedder.name, parts.layout.store_location)

    def collection_state(self) -> int:
        """A number that changes whenever an ingest (by any process) changes the collection; for caches."""
        return self.components.state.stamp()

    def papers(self, paper_ids: Iterable[str]) -> dict[str, PaperInfo]:
        """The stored papers among ``paper_ids``, by id (unknown ids are left out)."""
        found = self.components.catalog.get_many(paper_ids)
        return {pid: PaperInfo(p.paper_id, p.title, p.abstract, p.meta) for pid, p in found.items()}

    def paper(self, paper_id: str) -> PaperInfo | None:
        """A stored paper by id, or None."""
        return self.papers([paper_id]).get(paper_id)

    def paper_vectors(self, limit: int | None = None) -> dict[str, np.ndarray]:
        """Every paper's embedding (the normalised mean of its chunks), reading at most ``limit`` chunks."""
        if self.components.catalog.is_empty():
            return {}
        with self.components.reading():
            return self.components.store.paper_vectors(None, limit=limit)

    # -- questions -------------------------------------------------------------------

    def _check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise UserError("the question is empty; type a question about the collection")
        if not re.search(r"\w", question):
            # "???" was searched and "answered" with an abstention naming three random papers.
            raise UserError("the question has no words, only punctuation; type a question about the collection")
        limit = self.settings.retrieval.max_question_chars
        if len(question) > limit:
            warnings.warn(f"question truncated from {len(question)} to {limit} characters", stacklevel=3)
            question = question[:limit]
        return question

    def _check_top_k(self, top_k: int | None) -> int | None:
        # Checked here, not only by the CLI: a negative k reached retrieval as an empty slice and
        # came back as a false "the collection does not answer this".
        if top_k is None:
            return None
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
            raise UserError(f"top_k must be a whole number from 1 to {MAX_TOP_K}, not {top_k!r}")
        return top_k

    def retrieve(self, question: str, top_k: int | None = None, filters: "dict | RetrievalFilters | None" = None,
                 mode: str | None = None) -> list[Hit]:
        """The papers most relevant to ``question``, best first, each with a calibrated score in [0, 1].

        ``filters`` keys: year_from, year_to, author, category, source, paper_ids (see
        rag.settings.RetrievalFilters); ``mode`` is hybrid, dense or bm25 (default: settings).

        >>> Assistant(data_dir="/tmp/rag-doc").retrieve("speculative decoding", filters={"year_from": 2024})  # doctest: +SKIP
        """
        parts = self.components
        # A compare question is searched once per compared side as well (see rag.retrieval.planned);
        # constraints stated in words are filters only in ask/stream, where the answer shows them.
        plan = parts.planner.plan(self._check_question(question))
        top_k = self._check_top_k(top_k)
        with parts.reading():
            return parts.planned_search.search(plan, top_k or self.settings.retrieval.top_k, filters, mode, use_plan_filters=False).hits

    def stream(self, question: str, history: list[dict] | None = None, filters: dict | None = None,
               backend: str | None = None, top_k: int | None = None, without: list[str] | None = None) -> Iterator[TextDelta | Answer]:
        """Yield TextDelta events as the answer is written, then the final validated Answer.

        ``without`` names filters the question's plan read from its words ("year_from", "author",
        ...; "within" for a follow-up's scope) that should not apply: the chat's removable chips.

        >>> for event in assistant.stream("What does Medusa add to an LLM?"):  # doctest: +SKIP
        ...     print(getattr(event, "text", ""), end="")
        """
        question, top_k = self._check_question(question), self._check_top_k(top_k)
        parts = self.components

        def held() -> Iterator[TextDelta | Answer]:
            with parts.reading():  # one view of the collection for the whole answer, however slowly it is read
                yield from parts.answerer.stream(question, history=history, filters=filters, backend=backend, top_k=top_k, without=without)

        return held()

    def ask(self, question: str, history: list[dict] | None = None, filters: dict | None = None,
            backend: str | None = None, top_k: int | None = None, without: list[str] | None = None) -> Answer:
        """A cited answer to ``question`` (``history``: earlier messages, see Answer.message; ``without``: see stream).

        >>> answer = assistant.ask("What speedup does Medusa report?")  # doctest: +SKIP
        >>> answer.text, [c.title for c in answer.citations]           # doctest: +SKIP
        """
        question, top_k = self._check_question(question), self._check_top_k(top_k)
        with self.components.reading():
            return self.components.answerer.answer(question, history=history, filters=filters, backend=backend, top_k=top_k, without=without)

    def similar(self, paper_id_or_text: str, top_k: int = 10) -> list[Hit]:
        """Papers related to a stored paper (by id) or to a piece of text; the paper itself is left out.

        >>> Assistant(data_dir="/tmp/rag-doc").similar("title:002813709401b596", top_k=5)  # doctest: +SKIP
        """
        from rag.retrieval.similar import SimilarPapers

        if not isinstance(paper_id_or_text, str) or not paper_id_or_text.strip():
            raise UserError("give a paper id (see `rag retrieve --json`) or a piece of text to find similar papers")
        top_k = self._check_top_k(top_k)
        parts = self.components
        parts.catalog.require_papers()
        example = paper_id_or_text[: self.settings.retrieval.max_question_chars * 10]
        with parts.reading():
            return SimilarPapers(self.settings.retrieval, parts.store, parts.catalog, parts.embedder, parts.chunker()).find(example, top_k)

    # -- other frameworks ------------------------------------------------------------------

    def as_retriever(self, top_k: int | None = None, filters: dict | None = None, mode: str | None = None):
        """A LlamaIndex ``BaseRetriever`` returning one node per paper (see rag.integrations.llama_index).

        >>> nodes = Assistant(data_dir="/tmp/rag-doc").as_retriever(top_k=3).retrieve("speculative decoding")  # doctest: +SKIP
        """
        from rag.integrations.llama_index import PaperRetriever

        return PaperRetriever(self, top_k=self._check_top_k(top_k), filters=filters, mode=mode)

    def as_query_engine(self, backend: str | None = None, top_k: int | None = None, filters: dict | None = None):
        """A LlamaIndex ``BaseQueryEngine`` whose responses are cited answers, source nodes the cited papers.

        >>> str(Assistant(data_dir="/tmp/rag-doc").as_query_engine().query("What does Medusa add?"))  # doctest: +SKIP
        """
        from rag.integrations.llama_index import CitedQueryEngine

        return CitedQueryEngine(self, backend=backend, top_k=self._check_top_k(top_k), filters=filters)

    def completion_fn(self, backend: str | None = None) -> Callable[[str], str] | None:
        """``complete(prompt) -> str`` of the configured model backend, or None for 'extractive'.

        For other steps that want a model, e.g. an evaluation judge.

        >>> Assistant(data_dir="/tmp/rag-doc").completion_fn("extractive") is None
        True
        """
        return self.components.completion_fn(backend)
