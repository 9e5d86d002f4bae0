"""Does the collection answer this question? A small logistic model over retrieval and sentence evidence.

It replaces two hand-set thresholds (top score, best sentence similarity) that were tuned with
a thin margin on one dev set. Its features are measured on the question, not on one paper:
how relevant the best papers are, how much of the question's rare vocabulary they contain,
whether the methods it names appear in them, and whether it uses words the collection has
never seen. The weights are fitted by ``eval/fit_answers.py`` on labelled dev questions,
including near misses made by hiding each answerable question's gold paper.
"""

from __future__ import annotations

import re

import numpy as np

from rag.answer.evidence import PaperEvidence, logistic
from rag.errors import UserError
from rag.question.planner import ASK_ABOUT, SPECIFIC_NAME
from rag.answer.naming import defines, paper_name
from rag.retrieval.planned import looks_named, mentions
from rag.text.sentences import paper_sentences
from rag.text.topicality import Topicality
from rag.text.words import name_pattern
from rag.types import Hit, QuestionPlan

FEATURES = ("top_score", "margin", "best_sentence", "title_similarity", "coverage", "title_coverage", "sentence_coverage", "rare_coverage",
            "unseen_share", "names_found", "subject_owned", "topical_coverage")
RARE_TERMS = 2


def owns(hit: Hit, name: str) -> bool:
    """Whether a paper is *about* a named method: in its title, or introduced as its own name in the abstract.

    A paper that merely compares against SparseGPT mentions it; only SparseGPT's own paper owns it.
    """
    if name_pattern(name, re.I, suffix="s?").search(hit.title):
        return True
    if re.search(r"\(\s*" + re.escape(name) + r"\s*\)", hit.abstract):  # "... adaptive projected guidance (APG)"
        return True
    if re.search(r"\b(?:we|this paper)\s+(?:propose|present|introduce|call|name)s?\s+(?:a\s+|an\s+|the\s+)?" + re.escape(name) + r"\b", hit.abstract, re.I):
        return True
    # A paper about a method names it again and again; one that compares against it, once.
    if len(name_pattern(name).findall(hit.abstract)) >= 3:
        return True
    return paper_name(hit.title, hit.abstract).lower() == name.lower()


def introduces(hit: Hit, name: str) -> bool:
    """Whether a paper is where a named method comes from: its own name ("DARE: ..."), or a name the abstract gives
    its own contribution ("we propose DARE", "a novel operation called DARE").

    Stricter than :func:`owns` for a follow-up paper, which can own a name ("DARE the Extreme: ..." revisits "the DARE
    method proposed by Yu et al."): a compare of DARE with another method is answered from the paper that introduced it.
    """
    return paper_name(hit.title, hit.abstract).lower() == name.lower() or defines(hit.abstract, name)


_BASELINE_LIST = re.compile(r"\b(?:such\s+as|like|including|e\.g\.|compared\s+(?:with|to)|than|baselines?|state-of-the-art)\b", re.I)


def only_cited(name: str, hits: list[Hit]) -> bool:
    """Whether these papers merely cite a named method: none of them owns it, and each of their sentences that
    names it lists it among baselines ("approaches such as Wanda and SparseGPT"), or none names it at all.

    Such papers compare against the method; they do not study it, so they cannot answer what it does or
    how it fares against another.
    """
    if any(owns(hit, name) for hit in hits):
        return False
    pattern = name_pattern(name)
    sentences = [s for hit in hits for s in paper_sentences(hit.title, hit.abstract) if pattern.search(s)]
    return all(_BASELINE_LIST.search(s) for s in sentences)


def missing_subject(plan: QuestionPlan, evidence: list[PaperEvidence]) -> str | None:
    """The specific method a fact or method question is about ("SparseGPT"), when no retrieved paper is about it.

    Only a one-word name with inner capitals, digits or '+' counts: descriptive subjects
    ("Segment Anything", "Gaussian-splatting") are written many ways ("SAM", "3DGS"), and
    missing them would refuse answerable questions. The name is missing when the top papers only
    cite it (:func:`only_cited`).
    """
    asked = specific_subject(plan)
    return asked if asked and only_cited(asked, [e.hit for e in evidence[:5]]) else None


def cited_sides(plan: QuestionPlan, sides: list[list[Hit]], missing: list[str]) -> list[str]:
    """The named sides of a compare that the collection only cites ("Compare SparseGPT and Wanda" where two
    pruning papers list both among their baselines): missing like a side it never names, not answered
    from papers about something else."""
    if plan.kind != "compare" or plan.within or len(sides) != len(plan.entities):
        return []
    return [name for name, ranked in zip(plan.entities, sides) if name not in missing and looks_named(name) and only_cited(name, ranked[:3])]


def sides_owned(plan: QuestionPlan, sides: list[list[Hit]], missing: list[str]) -> bool:
    """A compare of named methods ("How do Medusa and EAGLE differ?") where each name has its own paper among its side's best three.

    The collection then holds exactly the papers asked about, however the rest of the question is
    worded: the answerability model reads the question's vocabulary ("differ", "speeds") as a whole,
    and refused this very question with both papers ranked first and second.
    """
    if plan.kind != "compare" or plan.within or len(sides) < 2 or len(sides) != len(plan.entities):
        return False
    present = [(name, ranked) for name, ranked in zip(plan.entities, sides) if name not in missing]
    if not missing:
        return all(len(name.split()) <= 3 and any(owns(hit, name) for hit in ranked[:3]) for name, ranked in present)
    # Some sides are missing ("How does Medusa compare with FlashDecoding++?"): the rest is answered, and the
    # missing ones named in a notice, only when each present side is a paper's own name ("Medusa: ..."): a
    # generic side ("Mamba vs Transformers") is in many titles and says nothing about what was asked.
    return bool(present) and all(any(paper_name(hit.title, hit.abstract).lower() == name.lower() for hit in ranked[:3]) for name, ranked in present)


def subject_owned(plan: QuestionPlan, evidence: list[PaperEvidence]) -> bool:
    """A fact, method or yes/no question about a specific named method ("Does RECE need fine-tuning?") whose own paper ranks first or second.

    The paper about the method is the collection's answer, whatever the rest of the question
    asks; the answerability model, reading the question's words, refused this one with RECE's
    paper ranked first. The mirror of :func:`missing_subject`, with the same notion of a specific name.
    """
    asked = specific_subject(plan)
    if asked and not SPECIFIC_NAME.match(asked):
        # "Tell me about Medusa.": a plain word is a method's name only as a paper's own ("Medusa: ..."), not
        # as a word in a title ("Tell me about Transformers." is no question about TinyFusion's paper).
        return any(paper_name(e.hit.title, e.hit.abstract).lower() == asked.lower() for e in evidence[:2])
    return bool(asked) and any(owns(e.hit, asked) for e in evidence[:2])


def names_present(plan: QuestionPlan, sides: list[list[Hit]], missing: list[str], evidence: list[PaperEvidence]) -> bool:
    """The question names the methods it is about, and each has its own paper here: answerable, whatever the model says."""
    return sides_owned(plan, sides, missing) or subject_owned(plan, evidence)


def specific_subject(plan: QuestionPlan) -> str | None:
    """The specific named method ("SparseGPT", "RECE", "MoE++") a fresh fact, method or yes/no question is about, or None.

    One home for the rules that judge such a question by whether that method has its own paper
    (:func:`missing_subject`, :func:`subject_owned`) and answer it from that paper
    (:meth:`rag.answer.selection.PaperSelector.subject_papers`).
    """
    asked = subject(plan) if plan.kind in ("fact", "method", "yesno") and not plan.within else None
    # A plain capitalised word ("Medusa") is specific only when the question is that name alone: elsewhere
    # it may be a sentence's first word or a generic term ("Transformers").
    return asked if asked and (SPECIFIC_NAME.match(asked) or names_only(plan, asked)) else None


def subject(plan: QuestionPlan) -> str | None:
    """The method a question asks about: the name right after its verb ("How does SparseGPT ...", "What FID does RCG get?")."""
    text = plan.search_text or plan.question
    for name in plan.entities:
        # "How does SparseGPT ...", "what bitrate does the improved RVQGAN codec reach?" (a modifier or two after "the");
        # not an adjective ("the ultra-lightweight DSP-based vocoder") nor a testbed ("does a ViT-H trained on it reach").
        if re.search(r"-(?:based|like|style|aware|free|driven|guided|specific|level|wise)$", name, re.I):
            continue
        if re.search(r"\b(?:does|do|did|is|are|was|were|can|could|would|will|has|have)\s+(?:the\s+(?:[a-z][\w\-]*\s+){0,2}?)?" + re.escape(name) + r"\b",
                     text, re.I):
            return name
        # "Tell me about Medusa.", "What are the limitations of SparseGPT?": the name closes the question
        # (not "How much of BERT's FLOPs do A and B remove?", where BERT is where they were tested).
        if re.search(r"\b(?:about|of|behind|explain|describe|summari[sz]e)\s+(?:the\s+)?" + re.escape(name) + r"\s*[?.!]?\s*$", text, re.I):
            return name
    return None


def names_only(plan: QuestionPlan, name: str) -> bool:
    """The question is the name and nothing else to go on: "Tell me about Medusa.", "What is EAGLE?"."""
    return bool(re.fullmatch(r"\s*(?:" + ASK_ABOUT + r"|(?:(?:please|can\s+you|could\s+you)\s+)?(?:what\s+is|what's|who\s+is))\s+(?:the\s+)?"
                             + re.escape(name) + r"\s*[?.!]?\s*", plan.search_text or plan.question, re.I))


def topical_coverage(weights: dict[str, float], topicality: Topicality, evidence: PaperEvidence) -> float:
    """The share of the question's topic words (IDF × topicality) that one paper contains.

    The near miss this catches shares everything with the best paper but one topic word
    ("... from *text-to-video* diffusion models?"); words that only say something about the
    topic ("how much", "avoid", "get") weigh little, so an answerable question phrased in them is not
    mistaken for one. Read on the best-ranked paper alone: the paper the answer would lead with.
    """
    topical = {t: w * topicality.weight(t) for t, w in weights.items()}
    total = sum(topical.values())
    return sum(w for t, w in topical.items() if t in evidence.terms) / total if total > 0 else 1.0


def question_features(plan: QuestionPlan, views: list[dict[str, float]], unseen_weight: float, evidence: list[PaperEvidence],
                      topicality: Topicality) -> np.ndarray:
    """The answerability features of one question (see FEATURES), from its top papers.

    ``views``: the question's term weights, once per reading of its alternatives ("class imbalance or
    long-tailed data"); the question is read as the best paper fits it best, since a paper on one
    alternative answers it (see rag.text.alternatives).
    """
    weights = max(views, key=lambda view: topical_coverage(view, topicality, evidence[0])) if evidence and len(views) > 1 else views[0]
    top = evidence[:3]
    scores = [e.hit.score for e in evidence] + [0.0, 0.0]
    total = sum(weights.values()) or 1.0
    unseen = sum(w for w in weights.values() if w >= unseen_weight - 1e-9) / total
    names = [n for n in plan.entities if len(n.split()) <= 3] if plan.kind != "list" else []
    found = sum(any(mentions(e.hit, n) for e in evidence[:5]) for n in names) / len(names) if names else 1.0
    # The subject is what a fact or method question is about ("How does SparseGPT prune LLMs?"); other
    # names are datasets or baselines, which papers mention without owning.
    asked = subject(plan) if plan.kind in ("fact", "method", "yesno") else None
    owned = float(any(owns(e.hit, asked) for e in evidence[:5])) if asked else 1.0
    rare = sorted(weights, key=weights.get, reverse=True)[:RARE_TERMS]
    rare_coverage = max((sum(t in e.terms for t in rare) / len(rare) for e in top), default=0.0) if rare else 1.0
    return np.array([
        scores[0], scores[0] - scores[1],
        max((e.best_similarity for e in top), default=0.0),
        max((e.title_similarity for e in top), default=0.0),
        max((e.coverage for e in top), default=0.0),
        max((e.title_coverage for e in top), default=0.0),
        max((e.sentence_coverage for e in top), default=0.0),
        rare_coverage, unseen, found, owned,
        topical_coverage(weights, topicality, evidence[0]) if evidence else 0.0,
    ])


class AnswerabilityModel:
    """p(the collection answers the question) = sigmoid(bias + w · features), weights from settings."""

    def __init__(self, weights: list[float], threshold: float):
        if len(weights) != len(FEATURES) + 1:
            raise UserError(f"answer.answerability_weights needs {len(FEATURES) + 1} numbers (bias, {', '.join(FEATURES)}); see config/default.yaml")
        self.weights = weights
        self.threshold = threshold

    def probability(self, features: np.ndarray) -> float:
        return float(logistic(self.weights, features[None, :])[0])
