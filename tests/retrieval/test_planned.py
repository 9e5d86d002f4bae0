"""Retrieval per plan: each compared side's best paper reaches the front; follow-ups stay within their papers."""

from rag.retrieval.planned import mentions, merge_sides
from rag.types import Hit, PaperMeta


def hit(pid: str, title: str = "", abstract: str = "") -> Hit:
    return Hit(pid, title or pid, 0.5, abstract or f"About {pid}.", PaperMeta())


def test_merge_puts_each_sides_best_right_after_the_whole_questions_best():
    whole = [hit("w1"), hit("w2"), hit("w3"), hit("a1")]
    sides = [[hit("a1"), hit("a2")], [hit("b1"), hit("w1")]]
    order = [h.paper_id for h in merge_sides(whole, sides, top_k=10)]
    assert order[:3] == ["w1", "a1", "b1"]
    assert order == ["w1", "a1", "b1", "w2", "a2", "w3"]
    assert [h.paper_id for h in merge_sides(whole, sides, top_k=2)] == ["w1", "a1"]


def test_mentions_is_a_whole_word_match():
    paper = hit("p", "EAGLE: Speculative Sampling", "EAGLE-2 is faster than MoE++ baselines.")
    assert mentions(paper, "eagle") and mentions(paper, "MoE++")
    assert not mentions(paper, "EAGLE-2x") and not mentions(paper, "Sampl")


def test_planned_search_on_the_sample(sample_assistant):
    parts = sample_assistant.components
    plan = parts.planner.plan("How does Medusa compare with EAGLE in speedup?")
    found = parts.planned_search.search(plan, 10)
    assert len(found.sides) == 2 and found.missing == []
    top = [h.title for h in found.hits[:3]]
    assert any(t.startswith("Medusa") for t in top) and any(t.startswith("EAGLE") for t in top), top
    within = parts.planner.plan("Which of them is fastest?", [{"role": "assistant", "content": "", "paper_ids": [h.paper_id for h in found.hits[:2]]}])
    assert {h.paper_id for h in parts.planned_search.search(within, 10).hits} <= {h.paper_id for h in found.hits[:2]}
