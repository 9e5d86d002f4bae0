"""Paper-level fusion, by hand-computed cases."""

import pytest

from rag.retrieval.fusion import PaperFusion, papers_by_best_chunk
from rag.settings import RetrievalSettings
from rag.types import ChunkMatch


def dense(pid, i, cos):
    return ChunkMatch(f"{pid}#{i}", pid, cos, f"text {pid}{i}", cos)


def bm25(pid, i, score):
    return ChunkMatch(f"{pid}#{i}", pid, score)


def test_papers_by_best_chunk():
    assert papers_by_best_chunk([dense("a", 0, .9), dense("b", 0, .8), dense("a", 1, .7)]) == ["a", "b"]


def test_convex_mixes_normalised_scores_per_paper():
    settings = RetrievalSettings(fusion="convex", dense_weight=1.0, bm25_weight=1.0)
    rankings = {"dense": [dense("a", 0, 0.9), dense("b", 0, 0.5), dense("a", 1, 0.6)],
                "bm25": [bm25("b", 0, 10.0), bm25("c", 0, 5.0)]}
    papers = {p.paper_id: p for p in PaperFusion(settings).fuse(rankings)}
    # dense: min-max over best cosines 0.9 (a), 0.5 (b); c was not seen by dense and counts as the weakest.
    assert papers["a"].fused == pytest.approx((1.0 + 0.0) / 2)
    assert papers["b"].fused == pytest.approx((0.0 + 1.0) / 2)
    assert papers["c"].fused == pytest.approx((0.0 + 0.5) / 2)
    assert papers["a"].ranks == {"dense": 1} and papers["b"].ranks == {"dense": 2, "bm25": 1}
    assert [c.chunk_id for c in papers["a"].chunks] == ["a#0", "a#1"]


def test_one_perfect_chunk_beats_three_mediocre_ones():
    settings = RetrievalSettings(fusion="convex", dense_weight=1.0, bm25_weight=0.0)
    rankings = {"dense": [dense("one", 0, 0.95), dense("many", 0, 0.6), dense("many", 1, 0.59), dense("many", 2, 0.58)]}
    assert PaperFusion(settings).fuse(rankings)[0].paper_id == "one"


def test_rrf_is_rank_based_and_normalised():
    settings = RetrievalSettings(fusion="rrf", dense_weight=1.0, bm25_weight=1.0, rrf_k=60)
    rankings = {"dense": [dense("a", 0, 0.9), dense("b", 0, 0.1)], "bm25": [bm25("a", 0, 3.0), bm25("b", 0, 2.9)]}
    papers = PaperFusion(settings).fuse(rankings)
    assert papers[0].paper_id == "a" and papers[0].fused == pytest.approx(1.0)
    assert papers[1].fused == pytest.approx((2 / 62) / (2 / 61))
