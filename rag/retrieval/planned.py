"""Retrieval per question plan: a follow-up searches the previous answer's papers, a compare searches once per side.

A compare question describes two papers at once, and in a big collection the side with the
rarer words wins both retrievers' lists. So each side is also searched on its own, and the
union leads with the whole question's best paper, then each side's best, then the seconds,
then the rest of the whole question's list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.question.planner import topic_phrase
from rag.errors import UserError
from rag.retrieval.filters import NoMatchingPapers
from rag.retrieval.search import PaperSearch
from rag.settings import RetrievalFilters
from rag.text.words import name_pattern
from rag.types import Hit, QuestionPlan

# How many of each side's own results join the front of the list.
SIDE_DEPTH = 2


@dataclass
class PlannedHits:
    """What retrieval found for a plan: the merged list, each compared side's own list, and sides the collection lacks."""

    hits: list[Hit]
    sides: list[list[Hit]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def mentions(hit: Hit, name: str) -> bool:
    """Whether a paper's title or abstract names ``name`` (case-insensitive, as a whole word)."""
    pattern = name_pattern(name, re.I)
    return bool(pattern.search(hit.title) or pattern.search(hit.abstract))


def looks_named(side: str) -> bool:
    """A short side with a capital or digit inside ("EAGLE", "LD-Pruner") is a name we can check for."""
    return len(side.split()) <= 3 and bool(re.search(r"[A-Z0-9]", side))


def merge_sides(whole: list[Hit], sides: list[list[Hit]], top_k: int) -> list[Hit]:
    """Whole question's #1, each side's #1, the same for #2 (to SIDE_DEPTH), then the whole list; no paper twice."""
    order: list[Hit] = []
    seen: set[str] = set()

    def take(hit: Hit) -> None:
        if hit.paper_id not in seen:
            seen.add(hit.paper_id)
            order.append(hit)

    for depth in range(SIDE_DEPTH):
        for ranked in [whole, *sides]:
            if depth < len(ranked):
                take(ranked[depth])
    for hit in whole:
        take(hit)
    for ranked in sides:
        for hit in ranked:
            take(hit)
    return order[:top_k]


class PlannedSearch:
    """``search(plan, top_k, filters, mode)``: the plan's scope and sides applied over :class:`PaperSearch`."""

    def __init__(self, search: PaperSearch, list_candidates: int = 16):
        self.search_engine = search
        self.list_candidates = list_candidates

    def _resolve(self, plan: QuestionPlan, filters: dict, mode: str | None, use_plan_filters: bool):
        """The filters resolved once for all of the plan's searches; an impossible filter read from words says so."""
        try:
            return self.search_engine.resolve(filters or None, mode)
        except NoMatchingPapers:
            if not (use_plan_filters and plan.filters):
                raise
            words = ", ".join(plan.describe_filters())
            raise UserError(f"no paper matches {words}, read from the question's words; the collection may lack that metadata "
                            "(see `rag stats`): remove the filter chip or rephrase") from None

    def with_named(self, hits: list[Hit], names: list[str], query: str, filters: dict, mode: str | None) -> list[Hit]:
        """``hits`` led by the papers that carry one of ``names`` as their own title name ("ZeRO: ..."), when the search missed them.

        "What problem does ZeRO solve?" found "Zero-TPrune" and "Only Train Once" and was refused: case-folded
        BM25 reads "zero", and MiniLM has never seen the name. The named paper is scored like any hit, under the same filters.
        """
        ids = [pid for name in names if looks_named(name) for pid in self.search_engine.catalog.ids_named(name)]
        ids = [pid for pid in dict.fromkeys(ids) if pid not in {h.paper_id for h in hits[:3]}]
        if not ids:
            return hits
        allowed = set(filters.get("paper_ids") or ids) & set(ids)
        if not allowed:
            return hits
        try:
            found = self.search_engine.search_resolved(query, len(allowed), self.search_engine.resolve({**filters, "paper_ids": sorted(allowed)}, mode), mode)
        except NoMatchingPapers:
            return hits  # the plan's other filters rule the named paper out
        return found + [h for h in hits if h.paper_id not in {f.paper_id for f in found}]

    def search(self, plan: QuestionPlan, top_k: int | None = None, filters: dict | RetrievalFilters | None = None, mode: str | None = None,
               use_plan_filters: bool = True) -> PlannedHits:
        merged = filters.model_dump(exclude_none=True) if isinstance(filters, RetrievalFilters) else dict(filters or {})
        if use_plan_filters:
            for key, value in plan.filters.items():
                merged.setdefault(key, value)
        if plan.within:
            allowed = set(plan.within) & set(merged.get("paper_ids") or plan.within)
            merged["paper_ids"] = sorted(allowed) or list(plan.within)
        top_k = top_k or self.search_engine.settings.top_k
        query = plan.search_text or plan.question
        resolved = self._resolve(plan, merged, mode, use_plan_filters)
        engine = self.search_engine
        if plan.kind == "list" or (plan.kind == "compare" and len(plan.entities) < 2):
            # A list keeps every relevant paper, so it looks further down, and searches for the topic
            # itself ("quantize LLM weights"), not for the words that ask for a list ("which papers").
            return PlannedHits(engine.search_resolved(topic_phrase(query), max(top_k, self.list_candidates), resolved, mode))
        whole = engine.search_resolved(query, top_k, resolved, mode)
        if plan.kind != "compare":
            return PlannedHits(self.with_named(whole, plan.entities, query, merged, mode)[:top_k])
        suffix = f" {plan.quantity}" if plan.quantity and plan.quantity not in ("count", "amount") else ""
        sides = [self.with_named(engine.search_resolved(side + suffix, max(SIDE_DEPTH, 3), resolved, mode), [side], side + suffix, merged, mode)
                 for side in plan.entities]
        missing = [side for side, ranked in zip(plan.entities, sides) if looks_named(side) and not any(mentions(h, side) for h in ranked[:3])]
        return PlannedHits(merge_sides(whole, sides, top_k), sides, missing)
