"""BibTeX author lists: "Last, First and {Barnes and Noble}" into names, braces respected."""

from __future__ import annotations

import re

from rag.ingest.parsers.fields import clean_latex, clean_text


def split_top_level(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split on ``pattern`` only outside braces ({Barnes and Noble} is one author)."""
    depth_at = []
    depth = 0
    for c in text:
        depth_at.append(depth)
        if c == "{":
            depth += 1
        elif c == "}" and depth:
            depth -= 1
    parts, start = [], 0
    for match in pattern.finditer(text):
        if depth_at[match.start()] == 0:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMMA = re.compile(r",")


def split_bibtex_authors(value: str) -> list[str]:
    """Author names as "First Last", from BibTeX's "Last, First and ..." list."""
    names = []
    for raw in split_top_level(clean_text(value), _AND):
        parts = [clean_latex(p) for p in split_top_level(raw, _COMMA)]
        parts = [p for p in parts if p]
        if not parts or parts == ["others"]:
            continue
        if len(parts) == 1:
            names.append(parts[0])
        elif len(parts) == 2:  # Last, First
            names.append(f"{parts[1]} {parts[0]}")
        else:  # Last, Jr, First
            names.append(f"{parts[2]} {parts[0]} {parts[1]}")
    return names
