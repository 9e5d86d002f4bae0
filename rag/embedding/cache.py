"""Sentence vectors with a bounded memory of recent sentences, backed by the data dir's sentence store.

Abstract sentences recur across questions (the same papers come back), so remembering
them makes a warm answer cost a handful of new embeddings instead of dozens. Texts embedded with
``keep=True`` (titles and abstract sentences, never the user's questions) are also written to the
collection's SentenceVectorStore, so that the next process, or the next session, does not embed them again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from rag.storage.sentences import SentenceVectorStore


class SentenceVectors:
    """Embeds sentences with the already-loaded embedding model, remembering up to ``max_items``.

    >>> SentenceVectors(embedder).embed(["Medusa adds decoding heads."]).shape   # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, embedder, max_items: int = 20000, store: SentenceVectorStore | None = None):
        self.embedder = embedder
        self.max_items = max_items
        self.store = store
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: Sequence[str], keep: bool = False) -> np.ndarray:
        """One vector per text. ``keep``: the texts are the collection's own (titles, abstract sentences), so store them."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing and self.store is not None:
            stored = self.store.get(missing)
            self._cache.update(stored)
            missing = [t for t in missing if t not in stored]
        if missing:
            # Everything here is embedded at question time, so through the exact encoder: an int8
            # collection's answers compare torch's vectors of the question and of the sentences.
            fresh = self.embedder.embed_query(missing)
            if keep and self.store is not None:
                # Held as the store holds it, so an answer is the same whether its vectors were stored or fresh.
                fresh = fresh.astype(np.float16).astype(np.float32)
                self.store.put(missing, fresh)
            self._cache.update(zip(missing, fresh))
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        out = np.stack([self._cache[t] for t in texts])
        for text in texts:  # recently used texts are the last to be forgotten
            self._cache.move_to_end(text)
        while len(self._cache) > self.max_items:
            self._cache.popitem(last=False)
        return out
