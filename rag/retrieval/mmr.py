"""Maximal marginal relevance over papers, for answers that should cover several lines of work."""

from __future__ import annotations

import numpy as np

from rag.retrieval.fusion import PaperCandidate
from rag.storage.vectors import ChromaStore


class MaximalMarginalRelevance:
    """Greedy MMR: pick argmax of λ·relevance − (1−λ)·max similarity to the papers already picked.

    A paper's vector is the mean of its chunk vectors (``ChromaStore.paper_vectors``), so a
    long abstract split in three counts as one point, like a short one.
    """

    def __init__(self, lambda_: float, store: ChromaStore):
        self.lambda_ = lambda_
        self.store = store

    def diversify(self, pool: list[PaperCandidate], top_k: int) -> list[PaperCandidate]:
        if len(pool) <= 1:
            return pool
        vectors = self.store.paper_vectors([c.paper_id for c in pool])
        dim = len(next(iter(vectors.values())))
        matrix = np.stack([vectors.get(c.paper_id, np.zeros(dim, dtype=np.float32)) for c in pool])
        sims = matrix @ matrix.T
        relevance = np.array([c.score for c in pool])
        chosen: list[int] = []
        left = list(range(len(pool)))
        while left and len(chosen) < top_k:
            penalty = sims[np.ix_(left, chosen)].max(axis=1) if chosen else np.zeros(len(left))
            value = self.lambda_ * relevance[left] - (1.0 - self.lambda_) * penalty
            pick = left[int(np.argmax(value))]
            chosen.append(pick)
            left.remove(pick)
        return [pool[i] for i in chosen]
