"""Sentence splitting and cached sentence vectors, shared by the extractive answerer and the validator."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Sequence

import numpy as np

# Hand-written rather than llama-index's splitter or NLTK punkt: llama-index splits by
# token budget (not sentence by sentence) and punkt needs a data download that fails
# offline. Abstracts are well-formed prose, so a regex with an abbreviation guard is enough.
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "fig.", "figs.", "eq.", "eqs.", "sec.", "approx.", "resp.", "cf.", "no.")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_MARKER = re.compile(r"\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations such as "e.g." inside their sentence.

    >>> split_sentences("We propose X, e.g. for images. It is 2.5x faster [1]. Done.")
    ['We propose X, e.g. for images.', 'It is 2.5x faster [1].', 'Done.']
    """
    text = " ".join(text.split())
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


def strip_markers(text: str) -> str:
    """The sentence without its [n] citation markers."""
    return _MARKER.sub("", text).strip()


def cite(sentence: str, number: int) -> str:
    """Put the marker before the closing full stop.

    >>> cite("It is 64.38%.", 1)
    'It is 64.38% [1].'
    """
    sentence = sentence.rstrip()
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{number}]{sentence[-1]}"
    return f"{sentence} [{number}]"


def defuse_markers(text: str) -> str:
    """Paper text with its own "[n]" markers shown as "(n)".

    Abstracts are untrusted data: a planted "[7]" or a fake "Sources: [1] ..." block must
    not read as one of our numbered source labels, to a model or to the citation check.

    >>> defuse_markers("as shown in [7] and [1, 2]")
    'as shown in (7) and (1, 2)'
    """
    return re.sub(r"\[(\s*\d+(?:\s*[,;–-]\s*\d+)*\s*)\]", r"(\1)", text)


class SentenceVectors:
    """Embeds sentences with the already-loaded embedding model, remembering recent ones.

    Abstract sentences recur across questions (the same papers come back), so a bounded
    cache makes a warm answer cost a handful of new embeddings instead of dozens.
    """

    def __init__(self, embedder, max_items: int = 20000):
        self.embedder = embedder
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def run(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, self.embedder.embed(missing)):
                self._cache[text] = vector
        while len(self._cache) > self.max_items:
            self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])
