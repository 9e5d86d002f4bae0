"""Maximal marginal relevance over papers, for answers that should cover several lines of work."""

from __future__ import annotations

import numpy as np

from rag.retrieval.fusion import PaperCandidate


class MaximalMarginalRelevance:
    """Greedy MMR: pick argmax of λ·relevance − (1−λ)·max similarity to the papers already picked.

    A paper's vector is the mean of its chunk vectors (read back from Chroma), so a
    long abstract split in three counts as one point, like a short one.
    """

    def __init__(self, lambda_: float, store):
        self.lambda_ = lambda_
        self.store = store

    def paper_vectors(self, paper_ids: list[str]) -> dict[str, np.ndarray]:
        got = self.store.get(where={"paper_id": {"$in": paper_ids}}, include=("metadatas", "embeddings"))
        sums: dict[str, list[np.ndarray]] = {}
        for meta, emb in zip(got["metadatas"], got["embeddings"]):
            sums.setdefault(meta["paper_id"], []).append(np.asarray(emb, dtype=np.float32))
        out = {}
        for pid, vecs in sums.items():
            mean = np.mean(vecs, axis=0)
            out[pid] = mean / (np.linalg.norm(mean) or 1.0)
        return out

    def run(self, pool: list[PaperCandidate], top_k: int) -> list[PaperCandidate]:
        if len(pool) <= 1:
            return pool
        vectors = self.paper_vectors([c.paper_id for c in pool])
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
