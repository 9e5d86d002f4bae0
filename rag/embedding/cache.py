"""Sentence vectors with a bounded memory of recent sentences.

Abstract sentences recur across questions (the same papers come back), so remembering
them makes a warm answer cost a handful of new embeddings instead of dozens.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np


class SentenceVectors:
    """Embeds sentences with the already-loaded embedding model, remembering up to ``max_items``.

    >>> SentenceVectors(embedder).embed(["Medusa adds decoding heads."]).shape   # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, embedder, max_items: int = 20000):
        self.embedder = embedder
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, self.embedder.embed(missing)):
                self._cache[text] = vector
        while len(self._cache) > self.max_items:
            self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])
