"""Which papers an answer is about: the follow-up choice among papers already shown."""

from __future__ import annotations

import numpy as np

from rag.answer.evidence import PaperEvidence
from rag.answer.selection import N_FEATURES, PaperSelector
from rag.types import Hit, PaperMeta


def _evidence(title: str, best_similarity: float, sentence_coverage: float, rank: int) -> PaperEvidence:
    hit = Hit(paper_id=title, title=title, score=0.5, abstract=f"{title}.", metadata=PaperMeta())
    return PaperEvidence(hit, rank, [f"{title}."], np.array([best_similarity]), sentence_coverage, 0.0, set(),
                         sentence_coverage=sentence_coverage)


def test_a_follow_up_chooses_the_paper_that_holds_its_words_over_near_ties_in_similarity():
    # "Which of these needs no test-time tuning?" among personalization papers: MiniLM puts them all
    # within 0.04 of each other; only one says "tuning-free ... test-time".
    evidence = [_evidence("Token merging", 0.353, 0.0, 1), _evidence("Design space of guidance", 0.339, 0.28, 2),
                _evidence("PhotoVerse: tuning-free customization", 0.314, 0.89, 3), _evidence("ClassDiffusion", 0.312, 0.17, 4)]
    selector = PaperSelector([0.0] * (N_FEATURES + 1), 0.5, 8)
    assert selector.closest_papers(evidence, margin=0.05) == [0, 1, 2, 3]  # similarity alone cannot tell them apart
    assert selector.closest_papers(evidence, margin=0.05, term_weight=0.7) == [2]
    # Where the words do not single one out, similarity still decides.
    level = [_evidence("A", 0.60, 0.3, 1), _evidence("B", 0.40, 0.3, 2)]
    assert selector.closest_papers(level, margin=0.05, term_weight=0.7) == [0]


def test_a_follow_up_chooses_every_paper_above_the_largest_drop_near_the_best():
    # "Which of those are about active learning?" after a list of surveys: two are (0.95, 0.85), the rest far below.
    evidence = [_evidence("Online active learning survey", 0.95, 0.0, 1), _evidence("Annotator models survey", 0.85, 0.0, 2),
                _evidence("Mamba survey", 0.47, 0.0, 3), _evidence("Freezing survey", 0.43, 0.0, 4)]
    selector = PaperSelector([0.0] * (N_FEATURES + 1), 0.5, 8)
    assert selector.closest_papers(evidence, margin=0.05) == [0]  # the narrow margin alone kept one
    assert selector.closest_papers(evidence, margin=0.05, break_margin=0.15) == [0, 1]
    # Nothing within the wider margin: the narrow one decides, and one paper far ahead stays alone.
    ahead = [_evidence("A", 0.90, 0.0, 1), _evidence("B", 0.70, 0.0, 2), _evidence("C", 0.68, 0.0, 3)]
    assert selector.closest_papers(ahead, margin=0.05, break_margin=0.15) == [0]


def _titled(title: str, vector: list[float], rank: int) -> PaperEvidence:
    evidence = _evidence(title, 0.5, 0.0, rank)
    evidence.title_vector = np.asarray(vector) / np.linalg.norm(vector)
    return evidence


def test_a_stated_count_takes_that_many_papers_that_belong_together():
    # "Compare the two neural audio codecs": a relevant paper unlike the rest loses to a slightly
    # less probable one that is alike; without a count the cut keeps every paper above it.
    evidence = [_titled("Perception under lossy compression", [1, 0, 0], 1), _titled("EnCodec", [0, 1, 0.2], 2),
                _titled("Audio restoration", [0.5, 0.5, 0.7], 3), _titled("Improved RVQGAN codec", [0, 1, 0.1], 4)]
    probabilities = [0.97, 0.92, 0.74, 0.67]
    selector = PaperSelector([0.0] * (N_FEATURES + 1), 0.5, 8, coherence=1.0)
    assert selector.coherent_set(evidence, probabilities, 2) == [1, 3]
    assert selector.coherent_set(evidence, probabilities, 3) == [1, 2, 3]
    # With no weight on likeness the count takes the most probable papers.
    assert PaperSelector([0.0] * (N_FEATURES + 1), 0.5, 8, coherence=0.0).coherent_set(evidence, probabilities, 2) == [0, 1]
    # All-zero weights give every paper p = 0.5, at the cut: a count still takes only that many.
    assert len(selector.list_papers(evidence)) == 4 and len(selector.list_papers(evidence, count=2)) == 2


def _reporting(title: str, sentence: str, rank: int) -> PaperEvidence:
    evidence = _evidence(title, 0.5, 0.0, rank)
    evidence.sentences = [sentence]
    return evidence


def test_a_topic_compare_in_a_figure_swaps_a_paper_that_reports_none_for_the_likeliest_that_does():
    evidence = [_reporting("EESD", "We propose early-exiting speculative decoding.", 1),
                _reporting("EAGLE", "EAGLE is 3x faster than vanilla decoding.", 2),
                _reporting("Medusa", "Medusa-1 achieves over 2.2x speedup.", 3),
                _reporting("SpQR", "It runs at 15% speedup.", 4),
                _reporting("BiTA", "BiTA achieves a 2.7x speedup on MT-Bench.", 5)]
    selector = PaperSelector([0.0] * (N_FEATURES + 1), 0.5, 8)
    selector.probabilities = lambda _: [0.9, 0.8, 0.7, 0.3, 0.4]  # SpQR below half the cut; BiTA above it
    assert selector.reporting_papers(evidence, [0, 1, 2], "speedup") == [1, 2, 4]
    # No figure asked, or fewer than two papers reporting one: the cut's choice stands.
    assert selector.reporting_papers(evidence, [0, 1, 2], None) == [0, 1, 2]
    assert selector.reporting_papers(evidence, [0, 1, 2], "FID") == [0, 1, 2]
