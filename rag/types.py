"""The plain data every stage passes on, in the order a question meets it.

Parsers yield :class:`PaperRecord` or :class:`Rejection`; ingest turns papers into
:class:`Chunk` objects under a :class:`ChunkId`; the stores return :class:`ChunkMatch`
lists; retrieval returns one :class:`Hit` per paper, with its :class:`PaperMeta`; the
answering step returns an :class:`Answer` with verified :class:`Citation` objects, and
streams :class:`TextDelta` pieces while it writes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class PaperRecord:
    """One paper as read from an input file, before identity and chunking."""

    title: str
    abstract: str
    source: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    date: str | None = None
    categories: list[str] = field(default_factory=list)
    url: str | None = None
    arxiv_id: str | None = None
    external_id: str | None = None
    line: int | None = None


@dataclass
class Rejection:
    """Something in an input file that could not become a paper, and why."""

    source: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"


class ChunkId:
    """The chunk-id format, ``<paper id>#<index>``, made and read only here.

    >>> ChunkId.make("arxiv:2401.10774", 2), ChunkId.paper("arxiv:2401.10774#2")
    ('arxiv:2401.10774#2', 'arxiv:2401.10774')
    """

    SEPARATOR = "#"

    @staticmethod
    def make(paper_id: str, index: int) -> str:
        return f"{paper_id}{ChunkId.SEPARATOR}{index}"

    @staticmethod
    def paper(chunk_id: str) -> str:
        # The index is what follows the last separator, whatever the paper id holds.
        return chunk_id.rsplit(ChunkId.SEPARATOR, 1)[0]


@dataclass
class Chunk:
    """A piece of one paper's text (title always included) ready to embed."""

    chunk_id: str
    paper_id: str
    text: str
    metadata: dict[str, Any]


@dataclass
class ChunkMatch:
    """One chunk found by one retriever. ``cosine`` is set once the dense side has seen it."""

    chunk_id: str
    paper_id: str
    score: float
    text: str | None = None
    cosine: float | None = None


@dataclass
class PaperMeta:
    """What is known about a paper besides its title and abstract."""

    authors: list[str] = field(default_factory=list)
    year: int | None = None
    date: str | None = None
    categories: list[str] = field(default_factory=list)
    url: str | None = None
    sources: list[str] = field(default_factory=list)
    n_chunks: int = 0


@dataclass
class Hit:
    """One retrieved paper.

    ``score`` is a calibrated relevance in [0, 1]: roughly the probability that the
    paper is relevant to the question (see docs/RETRIEVAL.md). ``evidence`` holds the
    best-matching chunk texts of this paper, best first; ``signals`` the raw retrieval
    features (fused score, dense cosine, BM25, per-retriever ranks, reranker outputs).
    """

    paper_id: str
    title: str
    score: float
    abstract: str
    metadata: PaperMeta
    evidence: list[str] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """One cited paper. ``number`` is the marker [n]; numbering is per paper, in order of first citation."""

    number: int
    paper_id: str
    title: str
    url: str | None
    evidence: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    year: int | None = None

    @classmethod
    def of(cls, number: int, hit: Hit, evidence: list[str] | None = None) -> Citation:
        """Marker ``number`` for a retrieved paper, with its record's url, authors and year."""
        return cls(number, hit.paper_id, hit.title, hit.metadata.url, list(evidence or []), list(hit.metadata.authors), hit.metadata.year)

    def reference(self) -> str:
        """One line of a reference list: ``[n] Title (A, B, C et al., 2024) https://...``."""
        authors = ", ".join(self.authors[:3]) + (" et al." if len(self.authors) > 3 else "")
        details = ", ".join(x for x in (authors, str(self.year or "")) if x)
        return f"[{self.number}] {self.title}" + (f" ({details})" if details else "") + (f" {self.url}" if self.url else "")


@dataclass
class AnswerSentence:
    """One sentence of the answer, the markers it carries, and whether its evidence supports it."""

    text: str
    citations: list[int] = field(default_factory=list)
    supported: bool = True
    support: float = 0.0


@dataclass
class QuestionPlan:
    """What a question asks, decided before retrieval (see rag.question).

    ``kind`` is one of fact, list, compare, method, yesno. ``entities`` are the methods or
    papers it names (for a compare: one per compared side, possibly a description);
    ``quantity`` the asked measure ("speedup", "accuracy", ...); ``count`` the number of papers a
    list or compare says it is about ("the two codecs"), which overrides the list cut. ``filters`` were read from
    words such as "since 2024" and are applied unless the user removes them
    (``removed_filters``). A follow-up searches ``within`` the previous answer's papers.
    """

    question: str
    kind: str = "fact"
    follow_up: bool = False
    entities: list[str] = field(default_factory=list)
    quantity: str | None = None
    count: int | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    search_text: str = ""
    within: list[str] = field(default_factory=list)

    def describe_filters(self) -> list[str]:
        """The plan's filters as chips: ``year_from=2024``."""
        return [f"{k}={v}" for k, v in self.filters.items()]


@dataclass
class Answer:
    """A cited answer.

    ``sources`` holds every retrieved paper (cited or not) with its score; ``notices`` holds
    user-visible remarks such as "the local model failed: ...; showing the extractive answer".
    """

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    sources: list[Hit] = field(default_factory=list)
    abstained: bool = False
    backend: str = "extractive"
    timings: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    removed_citations: list[str] = field(default_factory=list)
    invalid_citations_before_validation: int = 0
    standalone_question: str | None = None
    plan: QuestionPlan | None = None
    # The answerability model's probability that the collection answers the question (see rag.answer.answerability).
    confidence: float | None = None

    @property
    def unsupported_sentences(self) -> list[str]:
        return [s.text for s in self.sentences if s.citations and not s.supported]

    def message(self) -> dict[str, Any]:
        """This answer as a history message for the next question: its text, cited papers and scope.

        ``paper_ids`` are what a follow-up's "it" or "them" means; ``scope_ids`` the papers a
        follow-up chose among, so "and which ones ...?" chooses among them again; ``source_ids``
        every paper retrieved for the answer, cited or not, so that "which of them ...?" can
        still find a paper on the topic that the list left out.
        """
        scope = list(self.plan.within) if self.plan and self.plan.within else []
        return {"role": "assistant", "content": self.text, "paper_ids": [c.paper_id for c in self.citations], "scope_ids": scope,
                "source_ids": [h.paper_id for h in self.sources]}

    def references(self) -> list[str]:
        """The numbered reference list, one line per cited paper, in marker order."""
        return [c.reference() for c in sorted(self.citations, key=lambda c: c.number)]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["unsupported_sentences"] = self.unsupported_sentences
        return out


@dataclass
class TextDelta:
    """A streamed piece of answer text."""

    text: str
