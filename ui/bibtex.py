"""Cited references as BibTeX.

Hand-written because the entries are tiny and flat (title, authors, year, url); the
BibTeX libraries on PyPI (bibtexparser, pybtex) would be a new dependency for ~20 lines.
"""

from __future__ import annotations

import re
from typing import Iterable

from rag import Citation


def _escape(value: str) -> str:
    # Braces and backslashes would break the entry (or inject fields); drop them.
    return re.sub(r"[{}\\]", "", value or "").replace("\n", " ").strip()


def _key(citation: Citation) -> str:
    surname = re.sub(r"[^A-Za-z]", "", (citation.authors[0].split()[-1] if citation.authors else "anon")) or "anon"
    word = next((w for w in re.findall(r"[A-Za-z]+", citation.title) if len(w) > 3), "paper")
    return f"{surname.lower()}{citation.year or ''}{word.lower()}"


def to_bibtex(citations: Iterable[Citation]) -> str:
    """BibTeX @misc entries, one per distinct paper, with unique keys.

    >>> print(to_bibtex([Citation(1, "p1", "Deep Nets", "https://arxiv.org/abs/1", authors=["Ada Lovelace"], year=2024)]))
    @misc{lovelace2024deep,
      title = {Deep Nets},
      author = {Ada Lovelace},
      year = {2024},
      url = {https://arxiv.org/abs/1},
    }
    <BLANKLINE>
    """
    entries, seen_papers, keys = [], set(), set()
    for citation in citations:
        if citation.paper_id in seen_papers:
            continue
        seen_papers.add(citation.paper_id)
        key, n = _key(citation), 1
        while key in keys:
            n += 1
            key = f"{_key(citation)}{n}"
        keys.add(key)
        fields = [("title", citation.title), ("author", " and ".join(citation.authors))]
        fields += [("year", str(citation.year) if citation.year else ""), ("url", citation.url or "")]
        body = "".join(f"  {name} = {{{_escape(value)}}},\n" for name, value in fields if _escape(value))
        entries.append(f"@misc{{{key},\n{body}}}\n")
    return "\n".join(entries)
