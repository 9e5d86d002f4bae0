"""The one sentence splitter, for abstracts and answers alike.

Hand-written rather than llama-index's splitter or NLTK punkt: llama-index splits by
token budget (not sentence by sentence) and punkt needs a data download that fails
offline. Abstracts are well-formed prose, so a regex with an abbreviation guard is enough.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "fig.", "figs.", "eq.", "eqs.", "sec.", "approx.", "resp.", "cf.", "no.")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    r"""Split prose into sentences, keeping abbreviations such as "e.g." inside their sentence.

    A line break ends a sentence (an answer's list items and table rows are one line each);
    other whitespace runs become single spaces. Parsed abstracts hold no line breaks.

    >>> split_sentences("We propose X, e.g. for images. It is 2.5x faster [1]. Done.")
    ['We propose X, e.g. for images.', 'It is 2.5x faster [1].', 'Done.']
    >>> split_sentences("2 papers address X:\n- A: It works [1].\n- B: So does this [2].")
    ['2 papers address X:', '- A: It works [1].', '- B: So does this [2].']
    """
    if text and "\n" in text:
        return [s for line in text.splitlines() for s in split_sentences(line)]
    text = " ".join((text or "").split())
    if not text:
        return []
    pieces, start = [], 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start:match.start()].strip()
        if candidate.lower().endswith(_ABBREVIATIONS) or len(candidate) < 3:
            continue
        pieces.append(text[start:match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def paper_sentences(title: str, abstract: str) -> list[str]:
    """The sentences the answer step reads from one paper: its abstract's, or its title when the abstract has none."""
    return split_sentences(abstract) or [title]
