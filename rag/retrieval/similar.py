"""Related papers: query by example with a whole abstract (or any text)."""

from __future__ import annotations

import numpy as np

from rag.catalog import PaperCatalog
from rag.errors import UserError
from rag.records import Hit
from rag.retrieval.fusion import ChunkHit, PaperFusion, ScoreCalibrator
from rag.settings import RetrievalSettings
from rag.store import ChromaStore


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

    def example_vector(self, paper_id_or_text: str) -> tuple[np.ndarray, str | None]:
        paper = self.catalog.get(paper_id_or_text.strip())
        if paper is not None:
            got = self.store.get(where={"paper_id": paper.paper_id}, include=("embeddings",))
            vectors = np.asarray(got["embeddings"], dtype=np.float32)
            if len(vectors) == 0:
                raise UserError(f"paper {paper.paper_id} has no stored chunks; re-ingest its source file")
        else:
            if not paper_id_or_text.strip():
                raise UserError("give a paper id (see `rag retrieve --json`) or a piece of text to find similar papers")
            texts = self.chunker.split("", paper_id_or_text) if self.chunker else [paper_id_or_text]
            vectors = self.embedder.embed(texts or [paper_id_or_text])
        mean = vectors.mean(axis=0)
        return mean / (np.linalg.norm(mean) or 1.0), (paper.paper_id if paper else None)

    def run(self, paper_id_or_text: str, top_k: int) -> list[Hit]:
        from rag.retrieval.hybrid import HybridRetriever

        vector, exclude = self.example_vector(paper_id_or_text)
        where = {"paper_id": {"$ne": exclude}} if exclude else None
        result = self.store.query(vector, max(self.settings.candidates, top_k * 4), where=where)
        chunks = [
            ChunkHit(cid, meta["paper_id"], 1.0 - float(d), doc, 1.0 - float(d))
            for cid, doc, meta, d in zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])
        ]
        pool = PaperFusion(self.settings).run({"dense": chunks})[:top_k]
        calibrate = ScoreCalibrator(self.settings)
        for cand in pool:
            cand.score = calibrate.run(cand.cosine or 0.0, cand.fused)
        # Reuse the hit builder so similar() and retrieve() return identical Hit shapes.
        builder = HybridRetriever(self.settings, self.store, self.catalog, self.embedder, bm25=None)
        return builder._to_hits(pool)
