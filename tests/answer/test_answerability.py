"""Answerability: topic-word coverage, and questions whose named methods have their own papers."""

from __future__ import annotations

import numpy as np

from rag.answer.answerability import names_present, only_cited, sides_owned, subject_owned, topical_coverage
from rag.answer.evidence import PaperEvidence
from rag.text.topicality import Topicality
from rag.types import Hit, PaperMeta, QuestionPlan


def _evidence(title: str, abstract: str, terms: set[str] = frozenset()) -> PaperEvidence:
    hit = Hit(paper_id=title, title=title, score=0.5, abstract=abstract, metadata=PaperMeta())
    return PaperEvidence(hit, 1, [abstract], np.array([0.5]), 0.0, 0.0, set(terms))


def test_topical_coverage_counts_a_missing_topic_word_and_not_a_missing_word_about_it():
    topicality = Topicality({"avoid": 1.0, "how": 1.15})  # both below the topical range; "video" is not in the table
    weights = {"how": 3.0, "avoid": 3.0, "eras": 4.0, "concept": 4.0, "video": 3.0}
    paper = _evidence("Concept erasing", "...", {"eras", "concept"})
    # "video" is missing: 3 of the question's 11.25 topic weight (eras 4 + concept 4 + video 3 + "how" 3 × 1/12)
    assert round(topical_coverage(weights, topicality, paper), 3) == round(8 / (8 + 3 + 3 / 12), 3)
    # "avoid" missing costs nothing.
    assert topical_coverage({"avoid": 3.0, "eras": 4.0}, topicality, paper) == 1.0


def test_a_named_subject_or_named_sides_with_their_own_papers_make_a_question_answerable():
    rece = _evidence("RECE: Reliable and Efficient Concept Erasure", "We introduce RECE, which erases concepts.")
    other = _evidence("Zero-TPrune", "Zero-TPrune eliminates the need for fine-tuning.")
    fact = QuestionPlan(question="Does RECE need fine-tuning?", kind="yesno", entities=["RECE"], search_text="Does RECE need fine-tuning?")
    assert subject_owned(fact, [rece, other]) and subject_owned(fact, [other, rece])
    assert not subject_owned(fact, [other])
    medusa, eagle = _evidence("Medusa: multiple decoding heads", "Medusa adds heads."), _evidence("EAGLE: speculative sampling", "EAGLE drafts features.")
    compare = QuestionPlan(question="How do Medusa and EAGLE differ?", kind="compare", entities=["Medusa", "EAGLE"])
    assert sides_owned(compare, [[medusa.hit], [eagle.hit]], [])
    assert not sides_owned(compare, [[medusa.hit], [other.hit]], [])  # EAGLE's side found only a paper that is not about it
    # A missing side: the rest is answered only when each present side is a paper's own name.
    assert sides_owned(compare, [[medusa.hit], [other.hit]], ["EAGLE"])
    generic = QuestionPlan(question="How much faster is Mamba than Transformers?", kind="compare", entities=["Mamba", "Transformers"])
    vit = _evidence("Pruning Vision Transformers", "We prune Transformers.")
    assert not sides_owned(generic, [[other.hit], [vit.hit]], ["Mamba"]) and not sides_owned(compare, [[other.hit], [eagle.hit]], ["Medusa", "EAGLE"])
    assert names_present(compare, [[medusa.hit], [eagle.hit]], [], []) and not names_present(fact, [], [], [other])


def test_a_method_named_only_among_baselines_is_only_cited():
    perp = _evidence("PERP: Rethinking the Prune-Retrain Paradigm", "PERP rivals approaches such as Wanda and SparseGPT. It retrains 1% of the weights.").hit
    flap = _evidence("FLAP", "Our method outperforms the state of the art, including the extension of Wanda.").hit
    assert only_cited("SparseGPT", [perp, flap]) and only_cited("Wanda", [perp, flap])
    assert only_cited("Zorblax", [perp])  # never named at all
    study = _evidence("Why pruning works", "We analyse Wanda. Wanda prunes by weight times activation.").hit
    assert not only_cited("Wanda", [perp, study])  # a paper that discusses it, not just lists it
    own = _evidence("Wanda: a simple pruning approach", "We prune by weights and activations.").hit
    assert not only_cited("Wanda", [perp, own])


def test_the_subject_may_follow_a_modifier_after_the_but_is_never_an_adjective_or_a_testbed():
    from rag.answer.answerability import subject
    from rag.question.planner import QuestionPlanner

    planner = QuestionPlanner()
    assert subject(planner.plan("What bitrate and compression ratio does the improved RVQGAN codec reach?")) == "RVQGAN"
    assert subject(planner.plan("What mean opinion score does the ultra-lightweight DSP-based vocoder obtain?")) is None
    assert subject(planner.plan("What zero-shot ImageNet accuracy does a ViT-H trained on the filtered data reach?")) is None
