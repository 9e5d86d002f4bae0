"""Hybrid retrieval: dense (Chroma) + BM25, fused per paper, calibrated, optionally diversified and reranked."""

from __future__ import annotations

import time

import numpy as np

from rag.retrieval.calibration import ScoreCalibrator
from rag.retrieval.filters import FilterPlan
from rag.retrieval.fusion import PaperCandidate, PaperFusion
from rag.retrieval.hits import HitBuilder
from rag.retrieval.rerank import Reranker
from rag.settings import RetrievalSettings
from rag.storage.bm25 import BM25Store
from rag.storage.catalog import PaperCatalog
from rag.storage.vectors import ChromaStore
from rag.types import ChunkMatch, Hit


class HybridRetriever:
    """Question → papers (Hit), best first.

    The steps of :meth:`retrieve`, each public so benchmarks can replay them: embed the
    question, :meth:`rankings` (one chunk list per retriever), fuse them per paper,
    :meth:`fill_cosines` for papers only BM25 found, calibrate, diversify (MMR, optional),
    build the hits, rerank (optional).

    >>> hits = HybridRetriever(settings, store, catalog, embedder, bm25).retrieve("diffusion unlearning", 10)  # doctest: +SKIP
    """

    def __init__(self, settings: RetrievalSettings, store: ChromaStore, catalog: PaperCatalog, embedder, bm25: BM25Store,
                 rerankers: list[Reranker] | None = None):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        self.rerankers = rerankers or []
        self.fusion = PaperFusion(settings)
        self.calibrator = ScoreCalibrator(settings)
        self.hits = HitBuilder(catalog, settings.evidence_per_paper)
        # Per-stage wall times of the last retrieve(), for benchmarks and the answer's timings.
        self.last_timings: dict[str, float] = {}

    def retrieve(self, question: str, top_k: int, plan: FilterPlan | None = None, mode: str | None = None) -> list[Hit]:
        plan = plan or FilterPlan(None, None)
        clock = time.perf_counter()
        vector = self.embedder.embed_query([question])[0]
        self.last_timings = {"embed_ms": (time.perf_counter() - clock) * 1000}
        rankings = self.rankings(question, vector, max(self.settings.candidates, top_k * 4), plan, mode or self.settings.mode)
        papers = self.fusion.fuse(rankings)
        pool = papers[: max(top_k, self.settings.rerank_top_n if self.rerankers else 0, top_k * 2 if self.settings.mmr else 0)]
        self.fill_cosines(pool, vector)
        for cand in pool:
            cand.score = self.calibrator.calibrate(cand.cosine or 0.0, cand.fused)
        if self.settings.mmr:
            from rag.retrieval.mmr import MaximalMarginalRelevance

            pool = MaximalMarginalRelevance(self.settings.mmr_lambda, self.store).diversify(pool, top_k)
        hits = self.hits.build(pool)
        for reranker in self.rerankers:
            hits = reranker.rerank(question, hits)
        self.last_timings["total_ms"] = (time.perf_counter() - clock) * 1000
        return hits[:top_k]

    def rankings(self, question: str, vector: np.ndarray, n: int, plan: FilterPlan, mode: str = "hybrid") -> dict[str, list[ChunkMatch]]:
        """The best ``n`` chunks of each retriever the mode runs ('dense', 'bm25' or both), before fusion."""
        out: dict[str, list[ChunkMatch]] = {}
        started = time.perf_counter()
        if mode in ("hybrid", "dense"):
            out["dense"] = self.store.search(vector, n, where=plan.where)
        self.last_timings["dense_ms"] = (time.perf_counter() - started) * 1000
        if mode in ("hybrid", "bm25"):
            started = time.perf_counter()
            out["bm25"] = self.bm25.search(question, n, plan.paper_ids)
            self.last_timings["bm25_ms"] = (time.perf_counter() - started) * 1000
        return out

    def fill_cosines(self, pool: list[PaperCandidate], vector: np.ndarray) -> None:
        """Papers found only by BM25 get their dense cosine (a calibration feature) and chunk texts from Chroma."""
        need = [c.chunk_id for cand in pool for c in cand.chunks if c.cosine is None or c.text is None]
        if not need:
            return
        got = self.store.get(ids=need, include=("documents", "embeddings"))
        found = {cid: (doc, emb) for cid, doc, emb in zip(got["ids"], got["documents"], got["embeddings"])}
        for cand in pool:
            for chunk in cand.chunks:
                if chunk.chunk_id in found:
                    doc, emb = found[chunk.chunk_id]
                    chunk.text = chunk.text or doc
                    if chunk.cosine is None:
                        chunk.cosine = float(np.dot(np.asarray(emb, dtype=np.float32), vector))
            cosines = [c.cosine for c in cand.chunks if c.cosine is not None]
            cand.cosine = max(cosines) if cosines else None
