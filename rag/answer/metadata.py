"""Answers about papers' records rather than their content: who wrote a paper, which papers a filter names.

No abstract sentence says who wrote it, so "Who wrote the Medusa paper?" was refused, and "Which papers
by Remedios are in the collection?" found Remedios's paper through the author filter and then refused
it, because nothing was left of the question to answer. These answers come from the catalog's
fields and cite the papers they describe. They need no model, so every backend gives the same one.

>>> asks_authors("Who wrote the Medusa paper?"), asks_authors("Who are the authors of it?"), asks_authors("What did Medusa write?")
(True, True, False)
>>> topicless("Which papers are in the collection?"), topicless("List the papers."), topicless("Which papers study super-resolution?")
(True, True, False)
>>> filter_phrase({"author": "Li", "year_from": 2024, "category": "cs.CL"})
'by Li, from 2024 on, in cs.CL'
>>> from rag.types import PaperMeta
>>> RecordAnswerer.listing([Hit("p1", "ECLARE", 0.5, "", PaperMeta(year=2025))], {"author": "Remedios"})
'1 paper in the collection is by Remedios:\\n- ECLARE (2025) [1]'
"""

from __future__ import annotations

import re

from rag.text.words import spoken_list, words
from rag.types import Citation, Hit

_AUTHORS = re.compile(
    r"^\s*(?:and\s+)?who\s+(?:wrote|authored|are\s+the\s+authors\s+of|is\s+the\s+author\s+of|were\s+the\s+authors\s+of)\b"
    r"|\b(?:what|which|who)\s+(?:are|were)\s+(?:the|its|their)\s+authors\b|^\s*(?:list\s+|name\s+)?(?:the\s+)?authors\s+of\b", re.I)
# What is left of a list question once its filter words are gone, when it asks for nothing else.
_REQUEST_WORDS = frozenset(
    """which what papers paper works studies articles preprints list show me the are is were in collection there any all
    find give of a an do does you have has published these those here please""".split())
SHOWN_AUTHORS = 6


def asks_authors(question: str) -> bool:
    """"Who wrote ...?", "Who are the authors of ...?": a question for the record, not the abstract."""
    return bool(_AUTHORS.search(question))


def topicless(text: str) -> bool:
    """Only request words are left ("Which papers are in the collection?"): the question's filters are all it asks."""
    return not (set(words(text)) - _REQUEST_WORDS)


def filter_phrase(filters: dict) -> str:
    """The plan's filters as words: "by Li, from 2024 on, in cs.CL"."""
    parts = []
    if filters.get("author"):
        parts.append(f"by {filters['author']}")
    start, end = filters.get("year_from"), filters.get("year_to")
    if start and end:
        parts.append(f"from {start}" if start == end else f"from {start} to {end}")
    elif start:
        parts.append(f"from {start} on")
    elif end:
        parts.append(f"up to {end}")
    if filters.get("category"):
        parts.append(f"in {filters['category']}")
    return ", ".join(parts) or "matching the filters"


def _names(authors: list[str]) -> str:
    shown = authors[:SHOWN_AUTHORS]
    more = len(authors) - len(shown)
    return spoken_list(shown + [f"{more} other{'s' if more > 1 else ''}"] if more else shown)


class RecordAnswerer:
    """Writes the answers that come from papers' records, each paper cited by its marker."""

    @staticmethod
    def authors(papers: list[Hit]) -> str:
        lines = []
        for n, hit in enumerate(papers, 1):
            year = f" ({hit.metadata.year})" if hit.metadata.year else ""
            if hit.metadata.authors:
                lines.append(f"\u201c{hit.title}\u201d{year} is by {_names(hit.metadata.authors)} [{n}].")
            else:
                lines.append(f"The collection's record of \u201c{hit.title}\u201d{year} lists no authors [{n}].")
        return lines[0] if len(lines) == 1 else "\n".join(f"- {line}" for line in lines)

    @staticmethod
    def listing(papers: list[Hit], filters: dict, more: bool = False) -> str:
        """``more``: the search found more papers than are listed, so the opening gives no total."""
        count = len(papers)
        if more:
            opening = f"More than {count} papers in the collection are {filter_phrase(filters)}; the first {count}:"
        else:
            opening = f"{count} paper{'s' if count != 1 else ''} in the collection {'are' if count != 1 else 'is'} {filter_phrase(filters)}:"
        items = [f"- {hit.title}" + (f" ({hit.metadata.year})" if hit.metadata.year else "") + f" [{n}]" for n, hit in enumerate(papers, 1)]
        return "\n".join([opening, *items])

    @staticmethod
    def citations(papers: list[Hit]) -> list[Citation]:
        """One citation per paper, in marker order: each is a retrieved paper, as every citation must be."""
        return [Citation.of(n, hit) for n, hit in enumerate(papers, 1)]
