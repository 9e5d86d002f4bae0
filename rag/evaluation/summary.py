"""Aggregate per-question results into the typed summary that `evaluate` returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.evaluation.metrics import mean, percentile
from rag.evaluation.scoring import QuestionResult

LATENCY_FIELDS = ("retrieve_ms", "first_token_ms", "total_ms")

# One line per metric, shown in the report so every number has its formula next to it.
DEFINITIONS = {
    "hit@k": "1 if at least one gold paper is among the top k retrieved, else 0; mean over questions with gold.",
    "recall@k": "|gold ∩ top k| / |gold|; mean over questions with gold.",
    "mrr": "mean of 1 / (rank of the first gold paper), 0 when none is retrieved.",
    "ndcg@k": "DCG@k / IDCG@k, DCG@k = Σ_i grade_i / log2(i+1) (grade 1 for plain gold, gold_grades when given).",
    "keyword_correct": "1 if the answer contains one alternative from every answer_keywords group (normalised, whole words).",
    "citation_precision": "distinct cited papers that are gold / distinct cited papers (answered questions with gold).",
    "citation_recall": "gold papers cited / gold papers (answered, answerable questions).",
    "invalid_citation_rate": "markers naming no retrieved source before validation / (those + valid markers kept).",
    "uncited_sentence_rate": "answer sentences with no citation marker / answer sentences.",
    "abstention_accuracy": "on unanswerable questions (type absent or no gold): share where the assistant abstained.",
    "false_abstention": "on answerable questions: share where the assistant abstained anyway.",
    "support_mean": "HEURISTIC: mean over cited sentences of max cosine(sentence, any sentence of the cited abstracts), embedding model.",
    "supported_rate": "HEURISTIC: share of cited sentences whose support ≥ answer.support_threshold.",
    "judge_faithful": "LLM judge (--judge): share of answers judged faithful to their cited sources.",
    "compare_all_cited": "compare questions: 1 if every compared (gold) paper is cited.",
    "passed": "no failure reason applies (see the failed-questions list): keywords present, gold cited, no abstention; unanswerable: abstained.",
    "precision_answered": "among questions the assistant answered (did not abstain): share that passed.",
}


def metric_names(results: list[QuestionResult]) -> list[str]:
    """Every metric seen, in first-seen order."""
    names: dict[str, None] = {}
    for result in results:
        names.update(dict.fromkeys(result.metrics))
    return [*names, "passed"]


def value(result: QuestionResult, name: str) -> float | None:
    return float(result.passed) if name == "passed" else result.metrics.get(name)


@dataclass
class EvalSummary:
    """What `rag eval` / :func:`rag.evaluation.evaluate` produce.

    >>> summary.metrics["hit@5"], summary.latency["total_ms"]["p95"]  # doctest: +SKIP
    (0.84, 412.0)
    """

    questions: int
    errors: int
    rejected_lines: list[str]
    metrics: dict[str, float | None]
    by_type: dict[str, dict[str, float | None]]
    counts_by_type: dict[str, int]
    latency: dict[str, dict[str, float | None]]
    config: dict[str, Any] = field(default_factory=dict)
    risk_coverage: list[dict[str, float]] = field(default_factory=list)
    out_dir: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def risk_coverage(results: list[QuestionResult], steps: int = 20) -> list[dict[str, float]]:
    """For each confidence threshold: coverage (share answered) and risk (share of those answered that failed).

    Counts a question as answered at threshold t when its answerability confidence is ≥ t; questions
    without a confidence (errors) are left out. The operating point of the run is where t equals
    answer.answerability_threshold.
    """
    scored = [r for r in results if r.confidence is not None and not r.error]
    out = []
    for i in range(steps + 1):
        t = round(i / steps, 3)
        answered = [r for r in scored if r.confidence >= t]
        risk = sum(1 for r in answered if not (r.answerable and r.metrics.get("keyword_correct") in (None, 1.0) and
                                               r.metrics.get("citation_precision") not in (None, 0.0))) / len(answered) if answered else 0.0
        out.append({"threshold": t, "coverage": round(len(answered) / len(scored), 3) if scored else 0.0, "risk": round(risk, 3)})
    return out


def summarize(results: list[QuestionResult], rejected: list[str] | None = None, config: dict[str, Any] | None = None) -> EvalSummary:
    names = metric_names(results)
    types = sorted({r.type for r in results})
    latency = {
        f: {"p50": percentile([r.timings.get(f) for r in results if not r.error], 50),
            "p95": percentile([r.timings.get(f) for r in results if not r.error], 95)}
        for f in LATENCY_FIELDS
    }
    answered = [r for r in results if not r.error and not r.abstained]
    metrics = {n: mean([value(r, n) for r in results]) for n in names}
    metrics["precision_answered"] = mean([float(r.passed) for r in answered])
    return EvalSummary(
        questions=len(results),
        errors=sum(1 for r in results if r.error),
        rejected_lines=list(rejected or []),
        metrics=metrics,
        by_type={t: {n: mean([value(r, n) for r in results if r.type == t]) for n in names} for t in types},
        counts_by_type={t: sum(1 for r in results if r.type == t) for t in types},
        latency=latency,
        config=dict(config or {}),
        risk_coverage=risk_coverage(results),
    )


def definition(name: str) -> str:
    generic = name.split("@")[0] + "@k" if "@" in name else name
    return DEFINITIONS.get(generic, "")
