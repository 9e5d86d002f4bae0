"""The map: PCA/k-means on the real sample store, cached per collection size, retrieved papers highlighted."""

import numpy as np

from ui.paper_map import PaperMap, kmeans, pca_2d


def test_kmeans_separates_obvious_blobs():
    rng = np.random.default_rng(1)
    blobs = np.vstack([rng.normal(c, 0.05, size=(30, 5)) for c in (0.0, 3.0, -3.0)])
    labels = kmeans(blobs, 3)
    assert len(set(labels[:30])) == len(set(labels[30:60])) == len(set(labels[60:])) == 1
    assert len(set(labels.tolist())) == 3
    assert pca_2d(blobs).shape == (90, 2)


def test_map_of_the_sample_collection(sample_assistant):
    paper_map = PaperMap(sample_assistant, clusters=8, max_chunks=50_000)
    frame = paper_map.frame("cluster")
    assert len(frame) == sample_assistant.stats().papers
    assert frame["cluster"].nunique() == 8 and frame["title"].str.len().min() > 0
    some = set(frame["paper_id"][:3])
    highlighted = paper_map.frame("category", highlight=some)
    assert set(highlighted.loc[highlighted["group"].str.startswith("★"), "paper_id"]) == some
    assert paper_map.computed_for == sample_assistant.stats().chunks and len(paper_map.frame("cluster")) == len(frame)
