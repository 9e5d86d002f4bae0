"""Stable paper identity: the arXiv id where known, else a hash of the normalised title."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\b")


def normalize_title(title: str) -> str:
    """Lower-case, accent-free, punctuation-free, single-spaced title used for matching."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w]+", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def normalize_arxiv_id(value: str | None) -> str | None:
    """Return the bare arXiv id (no version, no prefix, no URL), or None if there is none."""
    if not value:
        return None
    value = str(value).strip()
    match = _ARXIV_NEW.search(value) or _ARXIV_OLD.search(value)
    return match.group(1) if match else None


def paper_id_for(title: str, arxiv_id: str | None = None) -> str:
    """The id a paper is stored under: ``arxiv:<id>`` or ``title:<12 hex of sha1>``."""
    bare = normalize_arxiv_id(arxiv_id)
    if bare:
        return f"arxiv:{bare}"
    digest = hashlib.sha1(normalize_title(title).encode("utf-8")).hexdigest()[:16]
    return f"title:{digest}"
