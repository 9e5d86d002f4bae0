"""Paper candidates → the Hit objects users see, with their catalog fields, evidence and signals.

``retrieve()`` and ``similar()`` both build their results here, so they return one shape.
"""

from __future__ import annotations

from dataclasses import replace

from rag.retrieval.fusion import PaperCandidate
from rag.storage.catalog import PaperCatalog
from rag.types import Hit


class HitBuilder:
    """Looks each candidate up in the catalog and keeps its ``evidence_per_paper`` best chunks as evidence."""

    def __init__(self, catalog: PaperCatalog, evidence_per_paper: int):
        self.catalog = catalog
        self.evidence_per_paper = evidence_per_paper

    def build(self, pool: list[PaperCandidate]) -> list[Hit]:
        papers = self.catalog.get_many([c.paper_id for c in pool])
        hits = []
        for cand in pool:
            paper = papers.get(cand.paper_id)
            if paper is None:
                continue  # written to the stores by an ingest batch whose catalog commit is still pending
            evidence = [c.text for c in cand.chunks if c.text][: self.evidence_per_paper]
            signals = {"fused": cand.fused, "dense_cosine": cand.cosine or 0.0, "bm25": cand.bm25,
                       **{f"rank_{k}": float(v) for k, v in cand.ranks.items()}}
            hits.append(Hit(cand.paper_id, paper.title, cand.score, paper.abstract, replace(paper.meta), evidence, signals))
        return hits
