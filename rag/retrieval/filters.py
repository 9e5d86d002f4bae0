"""Metadata filters, applied inside both stores: a Chroma ``where`` and a BM25 row mask.

>>> from rag.retrieval.filters import parse_filters
>>> parse_filters({"year_from": 2023, "category": "cs.LG"}).year_from
2023
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rag.storage.catalog import PaperCatalog
from rag.errors import UserError
from rag.settings import RetrievalFilters

ALLOWED = tuple(RetrievalFilters.model_fields)


def parse_filters(filters: RetrievalFilters | dict[str, Any] | None, defaults: RetrievalFilters | None = None) -> RetrievalFilters:
    """Validate a filter dict (or model) on top of ``defaults``; unknown fields name the allowed ones."""
    base = defaults.model_dump(exclude_none=True) if defaults else {}
    given = filters.model_dump(exclude_none=True) if isinstance(filters, RetrievalFilters) else dict(filters or {})
    unknown = sorted(set(given) - set(ALLOWED))
    if unknown:
        raise UserError(f"unknown filter field '{unknown[0]}'; allowed fields: {', '.join(ALLOWED)}")
    try:
        return RetrievalFilters.model_validate({**base, **{k: v for k, v in given.items() if v is not None}})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"invalid filter '{first['loc'][0]}': {first['msg']}; e.g. year_from=2023, category=cs.LG") from None


class NoMatchingPapers(UserError):
    """The filters are valid, but no stored paper meets all of them."""


@dataclass
class FilterPlan:
    """A filter resolved against one collection: ``where`` for Chroma, ``paper_ids`` for the BM25 mask.

    Both are None when no filter is set.
    """

    where: dict | None
    paper_ids: set[str] | None


class FilterResolver:
    """Turns RetrievalFilters into a FilterPlan using the catalog (authors and sources are looked up there)."""

    def __init__(self, catalog: PaperCatalog):
        self.catalog = catalog

    def resolve(self, filters: RetrievalFilters) -> FilterPlan:
        if not filters.model_dump(exclude_none=True):
            return FilterPlan(None, None)
        clauses: list[dict] = []
        if filters.year_from is not None:
            clauses.append({"year": {"$gte": filters.year_from}})
        if filters.year_to is not None:
            clauses.append({"year": {"$lte": filters.year_to}})
        if filters.category:
            clauses.append({"categories": {"$contains": filters.category}})
        sources = self._sources(filters.source) if filters.source else None
        if sources:
            clauses.append({"$or": [{"sources": {"$contains": s}} for s in sources]} if len(sources) > 1 else {"sources": {"$contains": sources[0]}})
        matching = self.catalog.papers_matching(year_from=filters.year_from, year_to=filters.year_to, category=filters.category,
                                                sources=sources, author=filters.author)
        if filters.paper_ids:
            matching &= set(filters.paper_ids)
        if filters.exclude_paper_ids:
            matching -= set(filters.exclude_paper_ids)
            clauses.append({"paper_id": {"$nin": sorted(filters.exclude_paper_ids)}})
        if filters.author or filters.paper_ids:
            # Chroma cannot match a substring inside a list, so these two reach it as ids; $in needs a non-empty list.
            clauses.append({"paper_id": {"$in": sorted(matching) or [""]}})
        if not matching:
            raise NoMatchingPapers(f"no paper matches the filters ({self.describe(filters)}); loosen them, or see `rag stats` for what is stored")
        where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        return FilterPlan(where, matching)

    def _sources(self, value: str) -> list[str]:
        known = self.catalog.sources()
        hits = [s for s in known if s == value or Path(s).name == value or Path(s).name == Path(value).name]
        if not hits:
            shown = ", ".join(known[:5]) + (" …" if len(known) > 5 else "")
            raise UserError(f"no ingested source is called '{value}'; known sources: {shown}")
        return hits

    @staticmethod
    def describe(filters: RetrievalFilters) -> str:
        """``year_from=2024, category=cs.CL``: the filters as the user would write them."""
        return ", ".join(f"{k}={v}" for k, v in filters.model_dump(exclude_none=True).items())
