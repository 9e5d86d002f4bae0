"""What the answering step returns: an Answer with verified Citations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.records import Hit


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


@dataclass
class AnswerSentence:
    """One sentence of the answer, the markers it carries, and whether its evidence supports it."""

    text: str
    citations: list[int] = field(default_factory=list)
    supported: bool = True
    support: float = 0.0


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

    @property
    def unsupported_sentences(self) -> list[str]:
        return [s.text for s in self.sentences if s.citations and not s.supported]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["unsupported_sentences"] = self.unsupported_sentences
        return out


@dataclass
class TextDelta:
    """A streamed piece of answer text."""

    text: str
