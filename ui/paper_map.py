"""The Map tab: papers projected to 2-D from their embeddings, coloured by cluster or category.

PCA (numpy SVD) and k-means (Lloyd's algorithm) are written out here: scikit-learn is only
a transitive dependency we do not declare, UMAP is not installed, and both fit in a few
deterministic lines for a few thousand points.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from rag import Assistant

_STOP = {"learning", "model", "models", "based", "using", "with", "towards", "large", "neural", "network", "networks", "approach", "through", "language"}


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    centered = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    return centered @ vt[:2].T


def kmeans(vectors: np.ndarray, k: int, iterations: int = 30, seed: int = 0) -> np.ndarray:
    """Cluster labels for each row; k-means++ seeding, fixed seed so the map is stable."""
    k = max(1, min(k, len(vectors)))
    rng = np.random.default_rng(seed)
    centres = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, k):
        dist = np.min([((vectors - c) ** 2).sum(axis=1) for c in centres], axis=0)
        centres.append(vectors[rng.choice(len(vectors), p=dist / dist.sum())] if dist.sum() > 0 else vectors[0])
    centres = np.array(centres)
    labels = np.zeros(len(vectors), dtype=int)
    for _ in range(iterations):
        labels = ((vectors[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        moved = np.array([vectors[labels == j].mean(axis=0) if (labels == j).any() else centres[j] for j in range(k)])
        if np.allclose(moved, centres):
            break
        centres = moved
    return labels


def _cluster_names(titles: list[str], labels: np.ndarray) -> dict[int, str]:
    names = {}
    for label in sorted(set(labels.tolist())):
        words = Counter(
            w for t, own in zip(titles, labels) if own == label for w in set(re.findall(r"[a-z]{5,}", t.lower())) if w not in _STOP
        )
        top = ", ".join(w for w, _ in words.most_common(2)) or "misc"
        names[label] = f"{label + 1}: {top}"
    return names


class PaperMap:
    """Computes the map lazily and caches it per collection size."""

    def __init__(self, assistant: Assistant, clusters: int, max_chunks: int):
        self.assistant = assistant
        self.clusters = clusters
        self.max_chunks = max_chunks
        self._cache: tuple[int, pd.DataFrame] | None = None

    def _compute(self) -> pd.DataFrame:
        by_paper = self.assistant.paper_vectors(limit=self.max_chunks)
        ids = sorted(by_paper)
        if len(ids) < 3:
            return pd.DataFrame(columns=["x", "y", "title", "cluster", "category", "paper_id"])
        vectors = np.array([by_paper[p] for p in ids])
        xy = pca_2d(vectors)
        labels = kmeans(vectors, self.clusters)
        papers = self.assistant.papers(ids)
        titles = [papers[p].title if p in papers else p for p in ids]
        names = _cluster_names(titles, labels)
        categories = [(papers[p].metadata.categories or ["none"])[0] if p in papers else "none" for p in ids]
        return pd.DataFrame(
            {"x": xy[:, 0], "y": xy[:, 1], "title": titles, "cluster": [names[c] for c in labels], "category": categories, "paper_id": ids}
        )

    @property
    def computed_for(self) -> int | None:
        """The collection size (in chunks) the cached layout was computed for; None before the first frame."""
        return self._cache[0] if self._cache else None

    def frame(self, colour_by: str = "cluster", highlight: set[str] | frozenset = frozenset()) -> pd.DataFrame:
        """The map as a DataFrame with a ``group`` column to colour by; highlighted papers get their own group."""
        size = self.assistant.stats().chunks
        if self._cache is None or self._cache[0] != size:
            self._cache = (size, self._compute())
        frame = self._cache[1].copy()
        column = "category" if colour_by == "category" else "cluster"
        frame["group"] = frame[column] if len(frame) else []
        if len(frame) and highlight:
            frame.loc[frame["paper_id"].isin(highlight), "group"] = "★ retrieved for the last question"
        return frame
