"""Related papers: query by example with a whole abstract (or any text)."""

from __future__ import annotations

import numpy as np

from rag.errors import UserError
from rag.retrieval.calibration import ScoreCalibrator
from rag.retrieval.fusion import PaperFusion
from rag.retrieval.hits import HitBuilder
from rag.settings import RetrievalSettings
from rag.storage.catalog import PaperCatalog
from rag.storage.vectors import ChromaStore
from rag.types import Hit


class SimilarPapers:
    """Papers close to a stored paper (by id) or to a piece of text.

    The example is the mean of all its chunk vectors, so every part of a long abstract
    counts; the example paper itself is excluded inside the store.
    """

    def __init__(self, settings: RetrievalSettings, store: ChromaStore, catalog: PaperCatalog, embedder, chunker=None):
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.embedder = embedder
        self.chunker = chunker
        self.hits = HitBuilder(catalog, settings.evidence_per_paper)

    def example_vector(self, paper_id_or_text: str) -> tuple[np.ndarray, str | None]:
        """The example's vector, and its paper id when it is a stored paper."""
        paper = self.catalog.get(paper_id_or_text.strip())
        if paper is not None:
            vector = self.store.paper_vectors([paper.paper_id]).get(paper.paper_id)
            if vector is None:
                raise UserError(f"paper {paper.paper_id} has no stored chunks; re-ingest its source file")
            return vector, paper.paper_id
        if not paper_id_or_text.strip():
            raise UserError("give a paper id (see `rag retrieve --json`) or a piece of text to find similar papers")
        texts = self.chunker.split("", paper_id_or_text) if self.chunker else [paper_id_or_text]
        mean = self.embedder.embed_query(texts or [paper_id_or_text]).mean(axis=0)
        return mean / (np.linalg.norm(mean) or 1.0), None

    def find(self, paper_id_or_text: str, top_k: int) -> list[Hit]:
        vector, exclude = self.example_vector(paper_id_or_text)
        where = {"paper_id": {"$ne": exclude}} if exclude else None
        chunks = self.store.search(vector, max(self.settings.candidates, top_k * 4), where=where)
        pool = PaperFusion(self.settings).fuse({"dense": chunks})[:top_k]
        calibrator = ScoreCalibrator(self.settings)
        for cand in pool:
            cand.score = calibrator.calibrate(cand.cosine or 0.0, cand.fused)
        return self.hits.build(pool)
