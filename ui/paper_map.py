"""The Map tab: papers laid out in 2-D so that neighbours stay neighbours, coloured by cluster or category.

- Layout: t-SNE (scikit-learn) of the papers' MiniLM vectors, which keeps each paper's nearest
  neighbours close; a PCA of the same vectors, which only keeps the broad spread, was what the
  tab showed before, and a question's retrieved papers landed all over it. Above
  ``ui.map_tsne_max_papers`` t-SNE takes minutes on 2 cores, so PCA is used and the legend
  says so.
- The layout is computed once per collection state and cached in the data dir
  (``DATA_DIR/cache/map-*.npz``), so a restarted server and the next visitor get it at once.
- Clusters: k-means on the vectors; each is named by its most distinctive title and abstract
  terms (class-based TF-IDF: frequent in this cluster, rare in the others), and no two
  clusters share a name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from rag import Assistant

HIGHLIGHT = "★ retrieved for the last question"
_COLUMNS = ["x", "y", "title", "cluster", "category", "paper_id"]


def layout_2d(vectors: np.ndarray, tsne_max: int, seed: int = 0) -> tuple[np.ndarray, str]:
    """2-D coordinates for each row and the method's name ('t-SNE' or 'PCA')."""
    from sklearn.decomposition import PCA

    if len(vectors) > tsne_max or len(vectors) < 5:
        return PCA(n_components=2, random_state=seed).fit_transform(vectors), "PCA"
    from sklearn.manifold import TSNE

    perplexity = float(min(30, (len(vectors) - 1) / 3))
    xy = TSNE(n_components=2, perplexity=perplexity, init="pca", metric="cosine", random_state=seed).fit_transform(vectors)
    return xy, "t-SNE"


def kmeans(vectors: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Cluster labels for each row, with a fixed seed so the map is stable."""
    from sklearn.cluster import KMeans

    k = max(1, min(k, len(vectors)))
    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)


def cluster_names(texts: list[str], labels: np.ndarray, terms_per_name: int = 2) -> dict[int, str]:
    """A distinct name per cluster from class-based TF-IDF over ``texts`` (title + abstract)."""
    from sklearn.feature_extraction.text import CountVectorizer

    clusters = sorted(set(labels.tolist()))
    docs = [" ".join(t for t, own in zip(texts, labels) if own == c) for c in clusters]
    vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z-]{3,}\b", min_df=1)
    counts = vectorizer.fit_transform(docs).toarray().astype(float)
    vocab = vectorizer.get_feature_names_out()
    # c-TF-IDF (as BERTopic does it): a term's frequency within the class, weighted by how rare it
    # is across classes, so "diffusion" names the diffusion cluster but not every cluster.
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    idf = np.log(1 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    names: dict[int, str] = {}
    used: set[str] = set()
    for row, cluster in enumerate(clusters):
        ranked = [vocab[i] for i in np.argsort(-scores[row]) if counts[row, i] > 0]
        picked: list[str] = []
        for term in ranked:
            if len(picked) == terms_per_name:
                break
            if not any(term in p or p in term for p in picked):
                picked.append(term)
        name = ", ".join(picked) or "misc"
        # Distinct names even when two clusters share their top terms: take the next term in.
        extra = iter(t for t in ranked if t not in picked)
        while name in used:
            name = f"{name}, {next(extra, str(cluster + 1))}"
        used.add(name)
        names[cluster] = f"{cluster + 1}: {name}"
    return names


class PaperMap:
    """Computes the map on first view of a collection state and caches it, in memory and in the data dir."""

    def __init__(self, assistant: Assistant, clusters: int, max_chunks: int, tsne_max_papers: int = 5000):
        self.assistant = assistant
        self.clusters = clusters
        self.max_chunks = max_chunks
        self.tsne_max_papers = tsne_max_papers
        self.method = ""
        self._cache: tuple[str, pd.DataFrame, str] | None = None

    def _key(self) -> str:
        # The collection's identity for caching: its state stamp and size (either moves on any ingest),
        # plus the map settings.
        stats = self.assistant.stats()
        raw = f"{self.assistant.collection_state()}-{stats.papers}-{stats.chunks}-{self.clusters}-{self.max_chunks}-{self.tsne_max_papers}"
        return hashlib.sha1(raw.encode()).hexdigest()[:16]

    def _cache_path(self, key: str) -> Path:
        return Path(self.assistant.data_dir) / "cache" / f"map-{key}.npz"

    def _compute(self, key: str) -> tuple[pd.DataFrame, str]:
        by_paper = self.assistant.paper_vectors(limit=self.max_chunks)
        ids = sorted(by_paper)
        if len(ids) < 3:
            return pd.DataFrame(columns=_COLUMNS), ""
        papers = self.assistant.papers(ids)
        path = self._cache_path(key)
        try:
            with np.load(path, allow_pickle=False) as cached:
                if list(cached["ids"]) != ids:
                    raise ValueError("stale")
                xy, labels, method = cached["xy"], cached["labels"], str(cached["method"])
        except (OSError, ValueError, KeyError):
            vectors = np.array([by_paper[p] for p in ids])
            xy, method = layout_2d(vectors, self.tsne_max_papers)
            labels = kmeans(vectors, self.clusters)
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob("map-*.npz"):
                old.unlink(missing_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "wb") as fh:
                np.savez(fh, ids=np.array(ids), xy=xy, labels=labels, method=np.array(method))
            tmp.replace(path)
        titles = [papers[p].title if p in papers else p for p in ids]
        texts = [f"{papers[p].title} {papers[p].abstract}" if p in papers else p for p in ids]
        names = cluster_names(texts, labels)
        categories = [(papers[p].metadata.categories or ["none"])[0] if p in papers else "none" for p in ids]
        frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "title": titles, "cluster": [names[c] for c in labels],
                              "category": categories, "paper_id": ids})
        return frame, method

    def frame(self, colour_by: str = "cluster", highlight: set[str] | frozenset = frozenset()) -> pd.DataFrame:
        """The map as a DataFrame with a ``group`` column to colour by.

        Highlighted papers get a group of their own and come last, so they are drawn on top.
        """
        key = self._key()
        if self._cache is None or self._cache[0] != key:
            frame, method = self._compute(key)
            self._cache = (key, frame, method)
        frame, self.method = self._cache[1].copy(), self._cache[2]
        column = "category" if colour_by == "category" else "cluster"
        frame["group"] = frame[column] if len(frame) else []
        if len(frame) and highlight:
            chosen = frame["paper_id"].isin(highlight)
            frame.loc[chosen, "group"] = HIGHLIGHT
            frame = pd.concat([frame[~chosen], frame[chosen]], ignore_index=True)
        return frame

    def describe(self) -> str:
        """What the layout is, for the legend."""
        if self.method == "t-SNE":
            return "Layout: t-SNE of the papers' embeddings (nearby papers are similar; distances between far groups mean little)."
        if self.method == "PCA":
            return (f"Layout: PCA of the papers' embeddings (more than {self.tsne_max_papers:,} papers, where t-SNE gets slow; "
                    "it keeps the broad spread, not each paper's neighbours).")
        return ""


def mean_pairwise_distance(points: np.ndarray) -> float:
    """Mean Euclidean distance over all pairs of rows."""
    diffs = points[:, None, :] - points[None, :, :]
    dist = np.sqrt((diffs ** 2).sum(axis=2))
    n = len(points)
    return float(dist.sum() / (n * (n - 1))) if n > 1 else 0.0
