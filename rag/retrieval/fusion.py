"""Chunk rankings → paper rankings → fusion (convex score mix or reciprocal rank fusion).

Hand-written rather than llama-index's QueryFusionRetriever: that works on nodes and
fuses chunks, while we fuse *papers* (a paper with three mediocre chunks must not beat
one with a single perfect chunk) and need the per-retriever ranks as score features.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.settings import RetrievalSettings
from rag.types import ChunkMatch


@dataclass
class PaperCandidate:
    """A paper with its per-retriever ranks (1-based), fused score and best chunks."""

    paper_id: str
    ranks: dict[str, int] = field(default_factory=dict)
    fused: float = 0.0
    cosine: float | None = None
    bm25: float = 0.0
    chunks: list[ChunkMatch] = field(default_factory=list)
    score: float = 0.0


def papers_by_best_chunk(hits: list[ChunkMatch]) -> list[str]:
    """Paper ids in the order of their best chunk (``hits`` is best first)."""
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.paper_id, None)
    return list(seen)


class PaperFusion:
    """Fuses per-retriever chunk lists into one paper ranking; ``fused`` is in [0, 1].

    ``convex`` (default): w_d·(min-max normalised best cosine) + w_b·(best BM25 / top BM25),
    weights normalised to sum 1; on the dev set it beat RRF at hit@1 (0.975 vs 0.95 at the
    best RRF k/weights) because it keeps *how much* better the top paper is.
    ``rrf``: sum of weight / (rrf_k + rank), divided by its maximum.
    """

    def __init__(self, settings: RetrievalSettings):
        self.settings = settings

    def fuse(self, rankings: dict[str, list[ChunkMatch]]) -> list[PaperCandidate]:
        weights = {"dense": self.settings.dense_weight, "bm25": self.settings.bm25_weight}
        k = self.settings.rrf_k
        papers: dict[str, PaperCandidate] = {}
        chunk_fused: dict[str, float] = {}
        for name, hits in rankings.items():
            for rank, hit in enumerate(hits, 1):
                chunk_fused[hit.chunk_id] = chunk_fused.get(hit.chunk_id, 0.0) + weights[name] / (k + rank)
            for rank, pid in enumerate(papers_by_best_chunk(hits), 1):
                cand = papers.setdefault(pid, PaperCandidate(pid))
                cand.ranks[name] = rank
                cand.fused += weights[name] / (k + rank)
            for hit in hits:
                cand = papers[hit.paper_id]
                if name == "bm25":
                    cand.bm25 = max(cand.bm25, hit.score)
                if hit.cosine is not None:
                    cand.cosine = hit.cosine if cand.cosine is None else max(cand.cosine, hit.cosine)
                same = next((c for c in cand.chunks if c.chunk_id == hit.chunk_id), None)
                if same is None:
                    cand.chunks.append(hit)
                elif hit.text and not same.text:
                    same.text = hit.text
        total = sum(weights[name] for name in rankings) or 1.0
        if self.settings.fusion == "convex":
            self._convex(papers, rankings, weights, total)
        else:
            for cand in papers.values():
                cand.fused /= total / (k + 1)
        for cand in papers.values():
            cand.chunks.sort(key=lambda c: -chunk_fused[c.chunk_id])
        return sorted(papers.values(), key=lambda c: (-c.fused, c.paper_id))

    @staticmethod
    def _convex(papers: dict[str, PaperCandidate], rankings, weights, total: float) -> None:
        cosines = [c.cosine for c in papers.values() if c.cosine is not None]
        low, high = (min(cosines), max(cosines)) if cosines else (0.0, 1.0)
        top_bm25 = max((c.bm25 for c in papers.values()), default=0.0) or 1.0
        for cand in papers.values():
            value = 0.0
            if "dense" in rankings:
                # A paper the dense side did not return counts as the weakest dense candidate.
                cos = cand.cosine if cand.cosine is not None else low
                value += weights["dense"] * ((cos - low) / (high - low) if high > low else 1.0)
            if "bm25" in rankings:
                value += weights["bm25"] * cand.bm25 / top_bm25
            cand.fused = value / total
