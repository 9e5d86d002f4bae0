"""Dense retrieval over Chroma, aggregated from chunks to papers."""

from __future__ import annotations

import math

from rag.catalog import PaperCatalog
from rag.records import Hit
from rag.settings import RetrievalSettings
from rag.store import ChromaStore


def calibrated(cosine: float) -> float:
    """Map a cosine similarity to a relevance estimate in [0, 1] (logistic fit, see docs)."""
    return 1.0 / (1.0 + math.exp(-12.0 * (cosine - 0.35)))


class DenseRetriever:
    """Nearest chunks by cosine similarity; each paper keeps its best chunks as evidence."""

    def __init__(self, settings: RetrievalSettings, store: ChromaStore, catalog: PaperCatalog, embedder):
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.embedder = embedder

    def run(self, question: str, top_k: int, where: dict | None = None) -> list[Hit]:
        vector = self.embedder.embed([question])[0]
        result = self.store.query(vector, max(self.settings.candidates, top_k * 3), where=where)
        best: dict[str, tuple[float, list[str]]] = {}
        for cid, doc, meta, dist in zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]):
            pid = meta["paper_id"]
            cosine = 1.0 - float(dist)
            score, evidence = best.get(pid, (-1.0, []))
            if len(evidence) < self.settings.evidence_per_paper:
                evidence.append(doc)
            best[pid] = (max(score, cosine), evidence)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:top_k]
        papers = self.catalog.get_many([pid for pid, _ in ranked])
        hits = []
        for pid, (cosine, evidence) in ranked:
            paper = papers.get(pid)
            if paper is None:
                continue
            meta = {k: v for k, v in paper.__dict__.items() if k not in ("abstract", "title", "paper_id", "content_hash", "norm_title")}
            hits.append(
                Hit(paper_id=pid, title=paper.title, score=calibrated(cosine), abstract=paper.abstract,
                    metadata=meta, evidence=evidence, signals={"dense_cosine": cosine})
            )
        return hits
