"""The extractive backend: answer with the retrieved abstracts' own best sentences."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.answer.evidence import CONTRIBUTION
from rag.answer.naming import defines
from rag.embedding.cache import SentenceVectors
from rag.settings import AnswerSettings
from rag.text.markers import cite, strip_markers
from rag.text.negation import contradicts, negated_stem_phrases, negated_terms, negation_aware
from rag.text.sentences import split_sentences
from rag.text.words import EnglishStemmer, content_words
from rag.types import Hit

# Questions that ask for a quantity; a sentence holding a number is then more likely the answer.
_QUANTITY = re.compile(
    r"\b(how (many|much|long|fast|large|small)|what (\w+[- ]){0,3}(score|speedup|accuracy|fid|psnr|rate|percentage|throughput|"
    r"factor|range|size|number|ratio|gain|reduction)s?|by what|to what|what percentage)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
# Where a question asks its actual question: the last clause opened by a wh-word.
_ASK = re.compile(r"\b(what|which|how|who|when|where|why|whose|whom)\b[^?.]*[?.]?\s*$", re.IGNORECASE)
# Openings of background sentences ("Recently, ...", "However, existing ..."): abstracts state the
# problem before the contribution, and questions that paraphrase the problem match those first.
_BACKGROUND = re.compile(
    r"^(recent|recently|however|existing|despite|although|while|many|most|traditional|conventional|prior|current|"
    r"in recent years|with the|over the past|nowadays|large language models|deep learning|to date)\b",
    re.IGNORECASE,
)


# How a method works ("..., which first X and then Y by Z"), as opposed to what it scored.
_MECHANISM = re.compile(r"\b(?:by|via|through|which|consists?\s+of|decompos\w*|combin\w*|integrat\w*|appl(?:y|ies)|first|then|instead\s+of|replac\w*)\b", re.I)
_RESULT = re.compile(r"\b(?:experiments?|results?|outperform\w*|state-of-the-art|benchmarks?|evaluations?|demonstrat\w*)\b", re.I)
# Where an abstract turns from the method to its evidence ("Extensive experiments show ...",
# "Results on ImageNet ...", "We demonstrate ..."): the end of a method's description.
_RESULTS_TURN = re.compile(
    r"^\W*(?:(?:extensive|comprehensive|empirical|experimental|our|the|through|in|on|across|finally|moreover|notably),?\s+)*"
    r"(?:experiments?|experimental|results?|evaluations?|empirical\w*|benchmarks?)\b"
    r"|\b(?:we|experiments?|results?|evaluations?)\s+(?:\w+\s+){0,2}(?:demonstrate|show|confirm|indicate|verify|validate)s?\b|\boutperform", re.I)


_AFFIRMED_LAST = 10.0


@dataclass
class _Candidate:
    hit_index: int
    position: int
    text: str
    score: float = 0.0


class ExtractiveAnswerer:
    """Picks the sentences of the retrieved abstracts that best answer the question.

    A sentence scores by embedding similarity to the question, IDF-weighted overlap with
    the question's content words, and its paper's retrieval score. The best sentence leads;
    more follow while they stay close to it, and only papers close to the best are cited,
    because a weak sentence from a weak paper costs more trust than it adds.
    Returns text whose markers [n] index ``hits`` from 1; the validator renumbers them.
    """

    def __init__(self, settings: AnswerSettings, vectors: SentenceVectors, stemmer: EnglishStemmer):
        self.settings = settings
        self.vectors = vectors
        self.stemmer = stemmer

    def _stems(self, found) -> set[str]:
        return self.stemmer.stem_set(content_words(" ".join(found)))

    def _score(self, question: str, hits: list[Hit], candidates: list[_Candidate], kind: str = "fact") -> np.ndarray:
        s = self.settings
        match = _ASK.search(question)
        ask = match.group(0) if match and len(match.group(0)) < len(question) * 0.8 else question
        asked = self.vectors.embed([question, ask])
        sentences = self.vectors.embed([c.text for c in candidates], keep=True)  # abstract sentences: stored
        similarity = (sentences @ asked[0] + sentences @ asked[1]) / 2 if candidates else np.zeros(0)
        question_terms = self.stemmer.stem_set(content_words(question))
        ask_terms = self.stemmer.stem_set(content_words(ask))
        sentence_terms = [self.stemmer.stem_set(content_words(c.text)) for c in candidates]
        # "needs no fine-tuning" is answered by a sentence that negates fine-tuning, not one that is about it.
        # Only where the question chooses papers by a constraint (see EvidenceReader.read); a fact or method
        # question's negation states a condition.
        negated = negated_terms(question, self._stems) if kind == "list" else set()
        if negated:
            phrases = negated_stem_phrases(question, self._stems)
            # A sentence that affirms what the question rules out ("is fine-tuned" for "needs no fine-tuning")
            # gets neither the negated word nor its similarity, which MiniLM gives it regardless of the "no".
            negated_in = [negated_terms(c.text, self._stems, own=True) for c in candidates]
            affirmed = np.array([contradicts(phrases, terms, neg) for terms, neg in zip(sentence_terms, negated_in)], dtype=float)
            similarity = np.where(affirmed > 0, 0.0, similarity)
            sentence_terms = [negation_aware(negated, terms, neg) for terms, neg in zip(sentence_terms, negated_in)]
        else:
            affirmed = np.zeros(len(candidates))
        df = {t: sum(t in terms for terms in sentence_terms) for t in question_terms}
        # Words of the asking clause count double: they name what the answer must contain.
        idf = {t: math.log(1 + len(candidates) / (1 + df[t])) * (2 if t in ask_terms else 1) for t in question_terms}
        total = sum(idf.values()) or 1.0
        lexical = np.array([sum(idf[t] for t in question_terms & terms) / total for terms in sentence_terms])
        paper = np.array([hits[c.hit_index].score for c in candidates])
        wants_number = bool(_QUANTITY.search(question))
        numbers = np.array([wants_number and bool(_DIGIT.search(c.text)) for c in candidates], dtype=float)
        background = np.array([c.position == 0 or bool(_BACKGROUND.match(c.text)) for c in candidates], dtype=float)
        if kind == "method":
            # A "how does X work" question wants the mechanism, not the motivation or the scores.
            mechanism = np.array([bool(_MECHANISM.search(c.text)) - bool(_RESULT.search(c.text)) for c in candidates], dtype=float)
            lexical = lexical + s.mechanism_weight * mechanism
        # An affirming sentence ranks below every other (scores lie within about [-1, 2]): quoted only when nothing else is left.
        return (s.similarity_weight * similarity + s.lexical_weight * lexical + s.paper_weight * paper
                + s.number_bonus * numbers - s.background_penalty * background - _AFFIRMED_LAST * affirmed)

    def rank(self, question: str, hits: list[Hit], kind: str = "fact") -> list[_Candidate]:
        """Every sentence of ``hits`` (their index, position, text), scored as an answer, best first."""
        # An abstract's rhetorical questions ("How can we remove ...?") never answer anything.
        candidates = [
            _Candidate(i, j, sentence)
            for i, hit in enumerate(hits)
            for j, sentence in enumerate(split_sentences(hit.abstract))
            if not sentence.rstrip().endswith("?")
        ]
        if not candidates:
            return []
        for candidate, score in zip(candidates, self._score(question, hits, candidates, kind)):
            candidate.score = float(score)
        return sorted(candidates, key=lambda c: -c.score)

    def method_span(self, hit: Hit, name: str | None = None, most: int | None = None) -> list[str]:
        """How a method works, as its own abstract tells it: the sentences from the one that introduces
        the work ("we propose X", "In this paper, we ...") up to the first that turns to results, at most
        ``most`` or ``max_sentences`` (empty when the abstract has no such run of two or more). ``name``: the
        method the question names, whose defining sentence starts the run when the abstract has one.

        Abstracts follow background → gap → contribution → mechanism → results, and a "how does X ..."
        question asks for the middle; the best-matching single sentence is usually the gap it closes
        ("a high guidance scale causes oversaturation"), which restates the question instead of answering it.
        A longer run is cut at its end, never in its middle: swapping its last kept sentence for the
        best-scoring one further on (as this once did) dropped the sentence the question asked about
        in "how does Tree-Ring embed its signal so that it survives crops?" (patterns in Fourier space).
        """
        sentences = split_sentences(hit.abstract)
        # A method the question names starts where the abstract defines it ("... an operation called DARE (Drop And
        # REscale)"), which can come after an opening "In this paper, we uncover ..."; the run from the first
        # contribution sentence when that gives none.
        starts = [next((j for j, s in enumerate(sentences) if name and defines(s, name)), None),
                  next((j for j, s in enumerate(sentences) if CONTRIBUTION.search(s)), None)]
        for start in (j for j in starts if j is not None):
            span = [start]
            for j in range(start + 1, len(sentences)):
                if _RESULTS_TURN.search(sentences[j]) or sentences[j].rstrip().endswith("?"):
                    break
                span.append(j)
            if len(span) >= 2:
                return [sentences[j] for j in span[: most if most is not None else self.settings.max_sentences]]
        return []

    def quoted(self, question: str, hits: list[Hit], kind: str = "fact") -> list[tuple[int, str]]:
        """The (index into ``hits``, sentence) pairs an extractive answer quotes, in reading order.

        A method question whose best paper describes its method in a run of sentences gets that run;
        otherwise the best sentences (:meth:`choose_sentences`).
        """
        ranked = self.rank(question, hits[: self.settings.context_papers], kind)
        if not ranked:
            return []
        if kind == "method":
            span = self.method_span(hits[ranked[0].hit_index])
            if span:
                return [(ranked[0].hit_index, sentence) for sentence in span]
        return [(c.hit_index, c.text) for c in self.choose_sentences(ranked)]

    def compose(self, question: str, hits: list[Hit], kind: str = "fact") -> str:
        # The abstract's own "[n]" markers are dropped: quoted data must not become citations.
        return " ".join(cite(strip_markers(text), i + 1) for i, text in self.quoted(question, hits, kind))

    def answering_papers(self, question: str, hits: list[Hit], kind: str = "fact") -> list[int]:
        """The indexes of ``hits`` whose sentences :meth:`compose` quotes, best first: the papers that answer."""
        return list(dict.fromkeys(i for i, _ in self.quoted(question, hits, kind)))

    def choose_sentences(self, ranked: list[_Candidate]) -> list[_Candidate]:
        """The best sentence, then more while they stay close to it and come from papers close to the best; in reading order."""
        best = ranked[0].score
        cited = {c.hit_index for c in ranked if c.score >= best - self.settings.cite_margin}
        chosen = [ranked[0]]
        for candidate in ranked[1:]:
            if len(chosen) >= self.settings.max_sentences or candidate.score < best * self.settings.keep_ratio:
                break
            if candidate.hit_index in cited:
                chosen.append(candidate)
        # Read like prose: papers in order of their best sentence, each paper's sentences in abstract order.
        paper_order = list(dict.fromkeys(c.hit_index for c in chosen))
        return sorted(chosen, key=lambda c: (paper_order.index(c.hit_index), c.position))
