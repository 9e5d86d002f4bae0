"""What each retrieved paper offers a question: its sentences' similarity, and how much of the question it covers.

Both the list cut and the answerability model read these numbers, so they are computed once
per answer. Coverage weighs each question term by its IDF in the collection, so a rare word
("SparseGPT", "Champagne") that no top paper contains counts for much more than "model".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.embedding.cache import SentenceVectors
from rag.storage.bm25 import BM25Tokenizer
from rag.text.alternatives import alternatives, readings
from rag.text.negation import contradicts, negated_stem_phrases, negated_terms, negation_aware
from rag.text.sentences import paper_sentences
from rag.types import Hit


@dataclass
class PaperEvidence:
    """One retrieved paper seen from the question."""

    hit: Hit
    rank: int  # 1-based
    sentences: list[str]
    similarity: np.ndarray  # cosine of each sentence to the question
    coverage: float  # IDF-weighted share of the question's terms in title + abstract
    title_coverage: float
    terms: set[str]  # the paper's stemmed words (title + abstract)
    title_similarity: float = 0.0  # cosine of the title to the question: what the paper is *about*
    sentence_coverage: float = 0.0  # the most of the question's weighted terms that one sentence holds
    neighbourhood: float = 0.0  # cosine of its title to the mean title of the question's best three papers
    title_vector: np.ndarray | None = None  # unit vector of the title: how alike two retrieved papers are
    contradicts: bool = False  # it affirms what the question rules out ("fine-tuned" for "needs no fine-tuning") and never negates it

    @property
    def best_similarity(self) -> float:
        return float(self.similarity.max()) if len(self.similarity) else 0.0


class EvidenceReader:
    """Question + its term weights + hits → one PaperEvidence per hit.

    >>> reader = EvidenceReader(vectors, BM25Tokenizer())                       # doctest: +SKIP
    >>> [round(e.coverage, 2) for e in reader.read(question, [weights], hits)]   # doctest: +SKIP
    """

    def __init__(self, vectors: SentenceVectors, tokenizer: BM25Tokenizer):
        self.vectors = vectors
        self.tokenizer = tokenizer

    @staticmethod
    def _coverage(views: list[dict[str, float]], terms: set[str]) -> float:
        """The weighted share of the question's terms in ``terms``, under the reading of the question that fits best."""
        best = 0.0
        for weights in views:
            total = sum(weights.values())
            best = max(best, sum(w for t, w in weights.items() if t in terms) / total if total else 0.0)
        return best

    def stems(self, found) -> set[str]:
        return set(self.tokenizer.tokenize([" ".join(found)])[0])

    def views(self, question: str, weights: dict[str, float], either: bool) -> list[dict[str, float]]:
        """The question's term weights once per reading of its alternatives ("A or B"; rag.text.alternatives).

        ``either`` false (a compare: "Which is faster, A or B?", whose A and B are the sides, each searched on
        its own) or no alternatives: the one reading, ``weights``."""
        return readings(weights, [[self.stems([alt]) for alt in group] for group in alternatives(question)] if either else [])

    def read(self, question: str, views: list[dict[str, float]], hits: list[Hit], constraints: bool = False) -> list[PaperEvidence]:
        """``constraints``: the question chooses papers by what they do *not* need ("which of them needs no
        fine-tuning?", a list question): a paper or sentence then matches a negated word only where it negates
        it too, and one that affirms a negated phrase is marked. Elsewhere a negation states a condition
        ("without the pre-training corpus, where does ... get its data?") and is read as plain words.

        ``views``: the question's term weights, once per reading of its alternatives (:meth:`views`; one
        reading when it offers none); coverage is the best over them, so a paper that holds one
        alternative covers the question."""
        if not hits:
            return []
        negated = negated_terms(question, self.stems) if constraints else set()
        phrases = negated_stem_phrases(question, self.stems) if negated else []

        def negated_in(text: str) -> set[str]:
            return negated_terms(text, self.stems, own=True) if negated else set()

        def matched(text_terms: set[str], text_negated: set[str]) -> set[str]:
            return negation_aware(negated, text_terms, text_negated) if negated else text_terms

        def affirmed(text_terms: set[str], text_negated: set[str]) -> bool:
            return bool(phrases) and contradicts(phrases, text_terms, text_negated)

        sentences = [paper_sentences(h.title, h.abstract) for h in hits]
        flat = [s for group in sentences for s in group]
        asked = self.vectors.embed([question])[0]
        vectors = self.vectors.embed([*[h.title for h in hits], *flat], keep=True)  # the collection's own text: stored
        title_vectors = vectors[: len(hits)]
        titles = title_vectors @ asked
        # Papers on the asked topic resemble each other: the best three papers' titles mark where the topic is.
        centre = title_vectors[:3].mean(axis=0) if len(hits) else np.zeros(1)
        centre = centre / (np.linalg.norm(centre) or 1.0)
        neighbourhood = title_vectors @ centre if len(hits) else np.zeros(0)
        sims = vectors[len(hits):] @ asked
        texts = [f"{h.title}\n{h.abstract}" for h in hits]
        tokens = self.tokenizer.tokenize([*texts, *[h.title for h in hits], *flat]) if hits else []
        sentence_terms = tokens[2 * len(hits):]
        sentence_negated = [negated_in(text) for text in flat]  # each read once: empty sets unless the question negates
        if negated:
            # A sentence that affirms what the question rules out is no evidence for it, however similar.
            sims = np.where([affirmed(set(t), neg) for t, neg in zip(sentence_terms, sentence_negated)], 0.0, sims)
        out, start = [], 0
        for i, hit in enumerate(hits):
            n = len(sentences[i])
            title_negated = negated_in(hit.title)
            paper_negated = title_negated | negated_in(hit.abstract)
            terms = matched(set(tokens[i]), paper_negated)
            # The paper's own work affirms the negated phrase (its title, or a sentence from its "we propose ..."
            # on): what comes before describes prior work ("existing techniques require retraining").
            own = next((j for j, text in enumerate(sentences[i]) if CONTRIBUTION.search(text)), 0) if phrases else 0
            contradicting = any(affirmed(set(t), paper_negated) for t in [tokens[len(hits) + i], *sentence_terms[start + own : start + n]])
            best_sentence = max((self._coverage(views, matched(set(t), neg))
                                 for t, neg in zip(sentence_terms[start : start + n], sentence_negated[start : start + n])), default=0.0)
            out.append(PaperEvidence(hit, i + 1, sentences[i], sims[start : start + n], self._coverage(views, terms),
                                     self._coverage(views, matched(set(tokens[len(hits) + i]), title_negated)), terms, float(titles[i]), best_sentence,
                                     float(neighbourhood[i]), title_vectors[i], contradicting))
            start += n
        return out


PAPER_FEATURES = ("score", "score_vs_top", "log_rank", "dense_cosine", "bm25_vs_top", "coverage", "title_coverage",
                  "best_sentence", "second_sentence", "title_similarity", "contribution_similarity", "neighbourhood")
# "We propose X ...": the sentence that says what the paper itself does, not what the field does.
CONTRIBUTION = re.compile(r"\b(?:we|this (?:paper|work)|our (?:method|approach|framework|model))\b[^.]{0,40}?\b(?:propose|introduce|present|develop|design)", re.I)


def contribution_similarity(evidence: PaperEvidence) -> float:
    """Similarity of the question to the paper's first contribution sentence (its best sentence when it has none)."""
    for sentence, similarity in zip(evidence.sentences, evidence.similarity):
        if CONTRIBUTION.search(sentence):
            return float(similarity)
    return evidence.best_similarity


def paper_features(evidence: list[PaperEvidence]) -> np.ndarray:
    """Per paper, the PAPER_FEATURES: retrieval scores, how much of the question it covers, and how close it comes."""
    if not evidence:
        return np.zeros((0, len(PAPER_FEATURES)))
    top = max(e.hit.score for e in evidence) or 1.0
    top_bm25 = max(e.hit.signals.get("bm25", 0.0) for e in evidence) or 1.0
    return np.array([
        [e.hit.score, e.hit.score / top, math.log(e.rank), e.hit.signals.get("dense_cosine", 0.0),
         e.hit.signals.get("bm25", 0.0) / top_bm25, e.coverage, e.title_coverage, e.best_similarity,
         float(np.sort(e.similarity)[-2]) if len(e.similarity) > 1 else e.best_similarity, e.title_similarity,
         contribution_similarity(e), e.neighbourhood]
        for e in evidence
    ])


def logistic(weights: list[float], features: np.ndarray) -> np.ndarray:
    """sigmoid(bias + w · x) for each row; ``weights`` is [bias, w1, w2, ...]."""
    z = weights[0] + features @ np.asarray(weights[1:], dtype=float)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
