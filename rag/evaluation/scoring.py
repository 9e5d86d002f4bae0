"""Score one Answer against one EvalQuestion: every per-question metric, as plain JSON-able data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from rag.evaluation import metrics as m
from rag.evaluation.questions import EvalQuestion
from rag.ingest.identity import normalize_arxiv_id, normalize_title
from rag.text.markers import cited_numbers
from rag.text.sentences import split_sentences
from rag.types import Answer


def gold_key_for_id(paper_id: str) -> str:
    """Accept ``arxiv:2401.10774``, a bare ``2401.10774`` or an arXiv URL as the same gold id."""
    if ":" in paper_id and not paper_id.startswith("http"):
        return paper_id
    bare = normalize_arxiv_id(paper_id)
    return f"arxiv:{bare}" if bare else paper_id


class GoldResolver:
    """Turns a question's gold titles/ids/grades into ``{gold key: grade}``.

    Titles resolve to paper ids through the catalog (``id_for_title``) so that a paper named
    both by id and by title counts once; a title not in the collection keeps a ``title:`` key.
    """

    def __init__(self, id_for_title: Callable[[str], str | None] | None = None):
        self.id_for_title = id_for_title or (lambda norm: None)

    def resolve(self, question: EvalQuestion) -> dict[str, float]:
        grades: dict[str, float] = {gold_key_for_id(k): v for k, v in question.gold_grades.items()}
        for pid in question.gold_ids:
            grades.setdefault(gold_key_for_id(pid), 1.0)
        for norm in question.normalized_gold_titles:
            key = self.id_for_title(norm) or f"title:{norm}"
            grades.setdefault(key, 1.0)
        return grades


def match_key(paper_id: str, title: str, grades: dict[str, float]) -> str | None:
    """The gold key a retrieved/cited paper matches, or None."""
    if paper_id in grades:
        return paper_id
    key = f"title:{normalize_title(title or '')}"
    return key if key in grades else None


def answer_sentences(answer: Answer) -> list[tuple[str, list[int]]]:
    """(sentence, cited numbers) pairs: the backend's own split when it gave one, else the shared splitter's."""
    if answer.sentences:
        return [(s.text, list(s.citations)) for s in answer.sentences]
    return [(sentence, cited_numbers(sentence)) for sentence in split_sentences(answer.text)]


@dataclass
class QuestionResult:
    """One line of results.jsonl."""

    id: str
    type: str
    question: str
    answerable: bool
    gold: dict[str, float]
    gold_titles: list[str]
    retrieved: list[dict[str, Any]]
    answer: str
    citations: list[dict[str, Any]]
    abstained: bool
    backend: str
    metrics: dict[str, float | None]
    timings: dict[str, float]
    contexts: list[str] = field(default_factory=list)
    support: list[dict[str, Any]] = field(default_factory=list)
    judge: dict[str, Any] | None = None
    error: str | None = None
    reference_answer: str | None = None
    confidence: float | None = None  # the answerability model's probability (for the risk–coverage curve)
    answer_keywords: list[list[str]] = field(default_factory=list)
    conversation: str | None = None  # the conversation id of a multi-turn question

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "QuestionResult":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def passed(self) -> bool:
        """Passed when nothing in :attr:`failures` applies."""
        return not self.failures

    @property
    def failures(self) -> list[str]:
        """Why the question failed, in words a user can check at a glance ([] when it passed).

        Answerable: it must not abstain, must contain every keyword group, must cite a gold paper
        (every gold paper for compare questions, half of them for topic questions) and must cite
        no paper outside the gold when the gold is a full list (topic, compare).
        Unanswerable: it must abstain.
        """
        if self.error:
            return [f"error: {self.error}"]
        if not self.answerable:
            return [] if self.abstained else ["answered a question the collection does not answer"]
        if self.abstained:
            return ["abstained although the collection answers it"]
        out = [f"missing keyword: {' / '.join(group)}" for group in self.answer_keywords if not _keyword_present(self.answer, group)]
        cited = {c["paper_id"] for c in self.citations if c.get("gold")}
        gold_titles = {c["title"] for c in self.citations if c.get("gold")}
        missing = [t for t in self.gold_titles if t not in gold_titles] if self.gold_titles else []
        recall = self.metrics.get("citation_recall")
        if not cited:
            out.append("cited no gold paper" + (f" (gold: {self.gold_titles[0]})" if self.gold_titles else ""))
        elif self.type == "compare" and missing:
            out += [f"missing paper: {t}" for t in missing]
        elif self.type == "topic" and recall is not None and recall < 0.5:
            out.append(f"cited {len(cited)} of {len(self.gold)} gold papers; missing: " + "; ".join(missing[:4]))
        if self.type in ("topic", "compare"):
            out += [f"cited a paper outside the gold list: {c['title']}" for c in self.citations if not c.get("gold")][:3]
        return out


def _keyword_present(text: str, group: list[str]) -> bool:
    return bool(m.keyword_groups_matched(text, [group]))


def score_answer(question: EvalQuestion, answer: Answer, grades: dict[str, float], ks=(1, 5, 10, 20), ndcg_k: int = 10) -> dict[str, float | None]:
    """Every model-free per-question metric for one answer."""
    ranked = [match_key(h.paper_id, h.title, grades) for h in answer.sources]
    scores: dict[str, float | None] = {}
    for k in ks:
        scores[f"hit@{k}"] = m.hit_at_k(ranked, grades, k)
        scores[f"recall@{k}"] = m.recall_at_k(ranked, grades, k)
    scores["mrr"] = m.reciprocal_rank(ranked, grades)
    scores[f"ndcg@{ndcg_k}"] = m.ndcg_at_k(ranked, grades, ndcg_k)
    answered = not answer.abstained
    scores["keyword_correct"] = m.keyword_correct(answer.text, question.answer_keywords) if question.answerable else None
    cited = [match_key(c.paper_id, c.title, grades) or f"other:{c.paper_id}" for c in answer.citations]
    scores["citation_precision"] = m.citation_precision(cited, grades) if answered else None
    scores["citation_recall"] = m.citation_recall(cited, grades) if answered and question.answerable else None
    sentences = answer_sentences(answer) if answered else []
    valid_markers = sum(len(c) for _, c in sentences)
    scores["invalid_citation_rate"] = m.invalid_citation_rate(answer.invalid_citations_before_validation, valid_markers)
    scores["uncited_sentence_rate"] = m.uncited_sentence_rate([c for _, c in sentences])
    if question.type == "compare" and answered and question.answerable:
        scores["compare_all_cited"] = float(all(key in cited for key in grades))
    scores["abstention_accuracy"] = m.abstention_correct(answer.abstained, question.answerable)
    scores["false_abstention"] = m.false_abstention(answer.abstained, question.answerable)
    return scores
