"""Compare two runs on the same questions: per-metric difference with a paired bootstrap 95% interval."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rag.evaluation.scoring import QuestionResult
from rag.evaluation.summary import EvalSummary, metric_names, value


def paired_bootstrap(a: list[float], b: list[float], samples: int, seed: int) -> tuple[float, float, float]:
    """Mean of (b - a) and its 95% percentile interval, resampling questions with replacement.

    Pairing (same resampled questions on both sides) removes the between-question variance
    that an unpaired test would wrongly count as noise.

    >>> paired_bootstrap([0, 0, 1, 1], [1, 1, 1, 1], 1000, 0)[0]
    0.5
    """
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if diff.size == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(samples, diff.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(diff.mean()), float(low), float(high)


@dataclass
class MetricComparison:
    name: str
    a: float | None
    b: float | None
    diff: float | None
    low: float | None
    high: float | None
    paired_n: int


@dataclass
class Comparison:
    """Two runs side by side. ``flipped`` lists question ids whose ``passed`` changed (a→b)."""

    label_a: str
    label_b: str
    summary_a: EvalSummary
    summary_b: EvalSummary
    metrics: list[MetricComparison]
    flipped: list[dict[str, Any]] = field(default_factory=list)
    out_dir: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare_results(a: list[QuestionResult], b: list[QuestionResult], summary_a: EvalSummary, summary_b: EvalSummary,
                    label_a: str, label_b: str, samples: int, seed: int) -> Comparison:
    by_id_b = {r.id: r for r in b}
    pairs = [(ra, by_id_b[ra.id]) for ra in a if ra.id in by_id_b]
    rows = []
    for name in metric_names([*a, *b]):
        paired = [(value(x, name), value(y, name)) for x, y in pairs]
        paired = [(x, y) for x, y in paired if x is not None and y is not None]
        if paired:
            diff, low, high = paired_bootstrap([x for x, _ in paired], [y for _, y in paired], samples, seed)
        else:
            diff = low = high = None
        rows.append(MetricComparison(name, summary_a.metrics.get(name), summary_b.metrics.get(name), diff, low, high, len(paired)))
    flipped = [
        {"id": x.id, "type": x.type, "question": x.question, "a_passed": x.passed, "b_passed": y.passed}
        for x, y in pairs if x.passed != y.passed
    ]
    return Comparison(label_a, label_b, summary_a, summary_b, rows, flipped)
