"""Plain data records passed between pipeline stages.

Parsers yield :class:`PaperRecord` or :class:`Rejection`; ingest turns records into
:class:`Chunk` objects; retrieval returns :class:`Hit` objects (one per paper).
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


@dataclass
class Chunk:
    """A piece of one paper's text (title always included) ready to embed."""

    chunk_id: str
    paper_id: str
    text: str
    metadata: dict[str, Any]


@dataclass
class Hit:
    """One retrieved paper.

    ``score`` is a calibrated relevance in [0, 1]: roughly the probability that the
    paper is relevant to the question (see docs/RETRIEVAL.md). ``evidence`` holds the
    best-matching chunk texts of this paper, best first.
    """

    paper_id: str
    title: str
    score: float
    abstract: str
    metadata: dict[str, Any]
    evidence: list[str] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
