"""Pure metric functions. Each returns None when the metric is undefined for the input
(e.g. recall with no gold papers), so that averages skip it instead of counting a zero.

Retrieved items are given as *gold keys*: the key of the gold paper a retrieved paper
matches, or None when it matches none. Grades map gold key -> relevance grade (> 0).
"""

from __future__ import annotations

import math
import re
from typing import Mapping, Sequence

from rag.ingest.identity import normalize_title

Ranked = Sequence[str | None]


def _first_hits(ranked: Ranked, k: int) -> list[str | None]:
    """Top-k keys with repeats of an already-seen gold key blanked out (a paper counts once)."""
    seen: set[str] = set()
    out: list[str | None] = []
    for key in list(ranked)[:k]:
        out.append(key if key is not None and key not in seen else None)
        if key is not None:
            seen.add(key)
    return out


def hit_at_k(ranked: Ranked, grades: Mapping[str, float], k: int) -> float | None:
    """1 if any gold paper is in the top k, else 0. ``hit@k = 1[|top_k ∩ gold| > 0]``."""
    if not grades:
        return None
    return 1.0 if any(key in grades for key in _first_hits(ranked, k)) else 0.0


def recall_at_k(ranked: Ranked, grades: Mapping[str, float], k: int) -> float | None:
    """``recall@k = |top_k ∩ gold| / |gold|``."""
    if not grades:
        return None
    found = {key for key in _first_hits(ranked, k) if key in grades}
    return len(found) / len(grades)


def reciprocal_rank(ranked: Ranked, grades: Mapping[str, float]) -> float | None:
    """``RR = 1 / rank of the first gold paper`` (0 if none is retrieved); MRR is its mean."""
    if not grades:
        return None
    for rank, key in enumerate(ranked, 1):
        if key in grades:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Ranked, grades: Mapping[str, float], k: int = 10) -> float | None:
    """``nDCG@k = DCG@k / IDCG@k`` with ``DCG@k = Σ_i grade_i / log2(i + 1)`` (linear gain, rank i from 1).

    IDCG is the DCG of the gold papers sorted by grade. Binary gold means every grade is 1.
    """
    if not grades:
        return None
    dcg = sum(grades[key] / math.log2(i + 1) for i, key in enumerate(_first_hits(ranked, k), 1) if key in grades)
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return dcg / idcg if idcg > 0 else None


def _keyword_pattern(alternative: str) -> re.Pattern | None:
    norm = normalize_title(alternative)
    if not norm:
        return None
    # Left edge is a word boundary; a trailing number must not continue ("2.2" matches "2.2x" but not "2.25").
    tail = r"(?!\d)" if norm[-1].isdigit() else ""
    return re.compile(r"(?<!\w)" + re.escape(norm) + tail)


def keyword_groups_matched(answer: str, groups: Sequence[Sequence[str]]) -> float | None:
    """Fraction of keyword groups with at least one alternative in the answer (after normalize_title on both)."""
    groups = [g for g in groups if g]
    if not groups:
        return None
    text = normalize_title(answer or "")
    patterns = [[p for p in map(_keyword_pattern, group) if p] for group in groups]
    matched = sum(1 for group in patterns if any(p.search(text) for p in group))
    return matched / len(groups)


def keyword_correct(answer: str, groups: Sequence[Sequence[str]]) -> float | None:
    """``1`` if every keyword group is matched (one alternative from each), else ``0``."""
    fraction = keyword_groups_matched(answer, groups)
    return None if fraction is None else float(fraction == 1.0)


def citation_precision(cited: Ranked, grades: Mapping[str, float]) -> float | None:
    """``|cited ∩ gold| / |cited|`` over distinct cited papers; None without citations or gold."""
    distinct = list(dict.fromkeys(cited))
    if not distinct or not grades:
        return None
    return sum(1 for key in distinct if key in grades) / len(distinct)


def citation_recall(cited: Ranked, grades: Mapping[str, float]) -> float | None:
    """``|cited ∩ gold| / |gold|``; None without gold."""
    if not grades:
        return None
    return len({key for key in cited if key in grades}) / len(grades)


def invalid_citation_rate(invalid_before_validation: int, valid_markers: int) -> float | None:
    """``invalid / (invalid + valid markers)``: share of the model's markers that named no retrieved source."""
    total = invalid_before_validation + valid_markers
    return None if total == 0 else invalid_before_validation / total


def uncited_sentence_rate(sentence_citations: Sequence[Sequence[int]]) -> float | None:
    """``sentences without a marker / sentences``; None for an empty answer."""
    if not sentence_citations:
        return None
    return sum(1 for c in sentence_citations if not c) / len(sentence_citations)


def abstention_correct(abstained: bool, answerable: bool) -> float | None:
    """On unanswerable questions: 1 if the assistant abstained. None on answerable ones."""
    return None if answerable else float(abstained)


def false_abstention(abstained: bool, answerable: bool) -> float | None:
    """On answerable questions: 1 if the assistant abstained anyway. None on unanswerable ones."""
    return float(abstained) if answerable else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation, as numpy); None for no values."""
    import numpy as np

    clean = [v for v in values if v is not None]
    return float(np.percentile(clean, q)) if clean else None


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the defined values; None if none is defined."""
    clean = [v for v in values if v is not None]
    return sum(clean) / len(clean) if clean else None
