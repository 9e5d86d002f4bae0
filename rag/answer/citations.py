"""Citation validation: drop invented markers, attach evidence, flag unsupported sentences, renumber."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.answer.naming import item_claim
from rag.embedding.cache import SentenceVectors
from rag.text.markers import cited_numbers, rewrite_markers, strip_markers
from rag.text.sentences import paper_sentences, split_sentences
from rag.types import AnswerSentence, Citation, Hit


@dataclass
class Validated:
    """The checked answer text and everything the Answer needs from the check."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    attributed: bool = False  # the citations were attributed afterwards, not written by the model


class CitationValidator:
    """Checks every [n] marker of a reply against the numbered sources the model was given.

    ``sources[i]`` is the paper labelled [i+1]. A marker naming no source is removed and
    reported; each cited sentence gets the sentence(s) of the cited abstracts closest to it
    as evidence, and is flagged unsupported when none reaches ``support_threshold``.
    Surviving citations are renumbered 1..n in order of first use.

    >>> v = CitationValidator(vectors, support_threshold=0.45)       # doctest: +SKIP
    >>> v.validate("Medusa adds decoding heads [1][7].", hits).removed     # doctest: +SKIP
    ['[7]']
    """

    def __init__(self, vectors: SentenceVectors, support_threshold: float, evidence_per_citation: int = 2):
        self.vectors = vectors
        self.threshold = support_threshold
        self.evidence_per_citation = evidence_per_citation

    def renumber(self, text: str, sources: list[Hit]) -> tuple[str, dict[int, int], list[str]]:
        """Markers naming no source removed (and listed), the rest renumbered 1..n in order of first use."""
        mapping: dict[int, int] = {}
        removed: list[str] = []

        def keep(numbers: list[int]) -> list[int]:
            kept: list[int] = []
            for number in numbers:
                if 1 <= number <= len(sources):
                    new = mapping.setdefault(number, len(mapping) + 1)
                    if new not in kept:
                        kept.append(new)
                else:
                    removed.append(f"[{number}]")
            return kept

        return rewrite_markers(text, keep), mapping, removed

    def validate(self, text: str, sources: list[Hit]) -> Validated:
        text, mapping, removed = self.renumber(text, sources)
        papers = {new: sources[old - 1] for old, new in mapping.items()}
        sentences = [AnswerSentence(s, cited_numbers(s)) for s in split_sentences(text)]
        abstract_sentences = {n: paper_sentences(hit.title, hit.abstract) for n, hit in papers.items()}
        claims = [strip_markers(item_claim(s.text)) for s in sentences]
        pool = [t for n in sorted(abstract_sentences) for t in abstract_sentences[n]]
        vectors: dict = {}
        cited = list(dict.fromkeys(c for s, c in zip(sentences, claims) if s.citations))
        if pool and cited:  # only cited sentences are checked; an extractive claim is an abstract sentence, already embedded
            vectors.update(zip(pool, self.vectors.embed(pool, keep=True)))
            vectors.update(zip(cited, self.vectors.embed(cited)))
        evidence: dict[int, list[str]] = {n: [] for n in papers}
        for sentence, claim in zip(sentences, claims):
            best = 0.0
            for n in dict.fromkeys(sentence.citations):
                ranked = sorted(((float(vectors[claim] @ vectors[e]), e) for e in abstract_sentences[n]), reverse=True)
                best = max(best, ranked[0][0])
                for score, sentence_text in ranked[: self.evidence_per_citation]:
                    if score >= self.threshold and sentence_text not in evidence[n]:
                        evidence[n].append(sentence_text)
            if sentence.citations:
                sentence.support = round(best, 4)
                sentence.supported = best >= self.threshold
        citations = [Citation.of(n, hit, evidence[n]) for n, hit in sorted(papers.items())]
        return Validated(text, citations, sentences, removed)
