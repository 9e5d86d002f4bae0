"""Hybrid retrieval: dense (Chroma) + BM25, fused per paper, calibrated, optionally diversified and reranked."""

from __future__ import annotations

import time

import numpy as np

from rag.catalog import PaperCatalog
from rag.records import Hit
from rag.retrieval.filters import FilterPlan
from rag.retrieval.fusion import ChunkHit, PaperCandidate, PaperFusion, ScoreCalibrator
from rag.retrieval.lexical_store import BM25Store
from rag.settings import RetrievalSettings
from rag.store import ChromaStore

_HIDDEN = ("abstract", "title", "paper_id", "content_hash", "norm_title")


class HybridRetriever:
    """Question → papers (Hit), best first.

    >>> hits = HybridRetriever(settings, store, catalog, embedder, bm25).run("diffusion unlearning", 10)  # doctest: +SKIP
    """

    def __init__(self, settings: RetrievalSettings, store: ChromaStore, catalog: PaperCatalog, embedder, bm25: BM25Store,
                 rerankers: list | None = None):
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.embedder = embedder
        self.bm25 = bm25
        self.rerankers = rerankers or []
        self.fusion = PaperFusion(settings)
        self.calibrator = ScoreCalibrator(settings)
        # Per-stage wall times of the last run(), for benchmarks and the answer's timings.
        self.last_timings: dict[str, float] = {}

    def run(self, question: str, top_k: int, plan: FilterPlan | None = None, mode: str | None = None) -> list[Hit]:
        plan = plan or FilterPlan(None, None)
        mode = mode or self.settings.mode
        n = max(self.settings.candidates, top_k * 4)
        clock = time.perf_counter()
        vector = self.embedder.embed([question])[0]
        self.last_timings = {"embed_ms": (time.perf_counter() - clock) * 1000}
        rankings: dict[str, list[ChunkHit]] = {}
        if mode in ("hybrid", "dense"):
            rankings["dense"] = self._dense(vector, n, plan)
        self.last_timings["dense_ms"] = (time.perf_counter() - clock) * 1000 - self.last_timings["embed_ms"]
        if mode in ("hybrid", "bm25"):
            started = time.perf_counter()
            rankings["bm25"] = self._bm25(question, n, plan)
            self.last_timings["bm25_ms"] = (time.perf_counter() - started) * 1000
        papers = self.fusion.run(rankings)
        pool = papers[: max(top_k, self.settings.rerank_top_n if self.rerankers else 0, top_k * 2 if self.settings.mmr else 0)]
        self._fill_cosines(pool, vector)
        for cand in pool:
            cand.score = self.calibrator.run(cand.cosine or 0.0, cand.fused)
        if self.settings.mmr:
            from rag.retrieval.mmr import MaximalMarginalRelevance

            pool = MaximalMarginalRelevance(self.settings.mmr_lambda, self.store).run(pool, top_k)
        hits = self._to_hits(pool)
        for reranker in self.rerankers:
            hits = reranker.run(question, hits)
        self.last_timings["total_ms"] = (time.perf_counter() - clock) * 1000
        return hits[:top_k]

    def _dense(self, vector: np.ndarray, n: int, plan: FilterPlan) -> list[ChunkHit]:
        result = self.store.query(vector, n, where=plan.where)
        return [
            ChunkHit(cid, meta["paper_id"], 1.0 - float(dist), doc, 1.0 - float(dist))
            for cid, doc, meta, dist in zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])
        ]

    def _bm25(self, question: str, n: int, plan: FilterPlan) -> list[ChunkHit]:
        index = self.bm25.fresh_index()
        mask = None
        if plan.paper_ids is not None:
            allowed = np.zeros(len(index.papers) + 1, dtype=bool)
            allowed[[index.paper_index[p] for p in plan.paper_ids if p in index.paper_index]] = True
            mask = allowed[index.row_paper]
        words = self.bm25.tokenizer.run([question])[0]
        scores = index.score(words, self.settings.bm25_k1, self.settings.bm25_b, mask)
        n = min(n, int(np.count_nonzero(scores)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        ids = {}
        for row in top:
            cid = index.chunk_id(int(row))
            ids[cid] = float(scores[row])
        return [ChunkHit(cid, cid.rsplit("#", 1)[0], score) for cid, score in ids.items()]

    def _fill_cosines(self, pool: list[PaperCandidate], vector: np.ndarray) -> None:
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

    def _to_hits(self, pool: list[PaperCandidate]) -> list[Hit]:
        papers = self.catalog.get_many([c.paper_id for c in pool])
        hits = []
        for cand in pool:
            paper = papers.get(cand.paper_id)
            if paper is None:
                continue  # written to the stores by an ingest batch whose catalog commit is still pending
            meta = {k: v for k, v in paper.__dict__.items() if k not in _HIDDEN}
            evidence = [c.text for c in cand.chunks if c.text][: self.settings.evidence_per_paper]
            signals = {"fused": cand.fused, "dense_cosine": cand.cosine or 0.0, "bm25": cand.bm25,
                       **{f"rank_{k}": float(v) for k, v in cand.ranks.items()}}
            hits.append(Hit(cand.paper_id, paper.title, cand.score, paper.abstract, meta, evidence, signals))
        return hits

