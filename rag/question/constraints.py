"""Constraints stated in words ("since 2024", "papers by Li", "in cs.CL") as retrieval filters.

Each rule also removes its words from the text that is searched, so "speculative decoding
papers since 2024" searches for "speculative decoding papers". The filters travel with the
answer's plan, where the user sees them and can remove them.

>>> read_constraints("Which speculative decoding papers since 2024 are in cs.CL?").filters
{'year_from': 2024, 'category': 'cs.CL'}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_YEAR = r"((?:19|20)\d\d)"
# (pattern, what it sets); the first group is a year, or the author for the author rules.
_YEAR_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:published\s+)?between\s+{_YEAR}\s+and\s+{_YEAR}\b", re.I), "between"),
    (re.compile(rf"\b(?:published\s+)?(?:since|from|after|starting(?:\s+in)?)\s+{_YEAR}(?:\s+on(?:wards?)?)?\b", re.I), "from"),
    (re.compile(rf"\b(?:published\s+)?(?:before|until|up\s+to|prior\s+to)\s+{_YEAR}\b", re.I), "to"),
    (re.compile(rf"\b(?:published\s+)?in\s+{_YEAR}\b", re.I), "in"),
]
_CATEGORY = re.compile(r"\b(?:in|from|under)\s+(?:the\s+)?((?:cs|stat|eess|math|q-bio|q-fin|physics|astro-ph|cond-mat|quant-ph)\.[A-Za-z]{2})\b")
_NAME = r"([A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+){0,2})"
_AUTHOR_RULES = [
    re.compile(rf"\b(?:papers?|works?|articles?|studies|preprints?)\s+(?:by|from)\s+{_NAME}(?:\s+et\s+al\.?)?"),
    re.compile(rf"\b(?:written|authored|published)\s+by\s+{_NAME}(?:\s+et\s+al\.?)?"),
    re.compile(rf"\bby\s+{_NAME}\s+et\s+al\.?"),
]


@dataclass
class Constraints:
    """What the rules found: the filters and the question without the words they came from."""

    filters: dict[str, Any] = field(default_factory=dict)
    text: str = ""


def _years(kind: str, match: re.Match[str]) -> dict[str, int]:
    first = int(match.group(1))
    if kind == "between":
        second = int(match.group(2))
        return {"year_from": min(first, second), "year_to": max(first, second)}
    if kind == "from":
        # "after 2023" means 2024 on; "since/from 2023" includes 2023.
        return {"year_from": first + 1 if match.group(0).lower().lstrip().startswith(("after", "published after")) else first}
    if kind == "to":
        return {"year_to": first - 1}
    return {"year_from": first, "year_to": first}


def read_constraints(question: str) -> Constraints:
    """Filters stated in the question, and the question with those words taken out."""
    text = question
    filters: dict[str, Any] = {}
    for pattern, kind in _YEAR_RULES:
        match = pattern.search(text)
        if match:
            filters.update(_years(kind, match))
            text = text[: match.start()] + text[match.end():]
            break
    match = _CATEGORY.search(text)
    if match:
        archive, sub = match.group(1).split(".")
        filters["category"] = f"{archive.lower()}.{sub.upper()}"  # arXiv writes cs.CL, whatever the user typed
        text = text[: match.start()] + text[match.end():]
    for pattern in _AUTHOR_RULES:
        match = pattern.search(text)
        if match:
            filters["author"] = match.group(1)
            # Keep "papers" (it says what is asked for); drop "by <name> et al.".
            cut = match.start(1) - len("by ") if "by" in match.group(0) else match.start(1)
            text = text[: max(cut, match.start())] + text[match.end():]
            break
    text = re.sub(r"\s+([?.,;:!])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
    return Constraints(filters, text or question)
