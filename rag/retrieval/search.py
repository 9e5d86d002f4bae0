"""Search over one collection: the checks and filters every retrieval goes through, then the retriever."""

from __future__ import annotations

from rag.errors import UserError
from rag.retrieval.filters import FilterPlan, FilterResolver, parse_filters
from rag.retrieval.hybrid import HybridRetriever
from rag.settings import RetrievalFilters, RetrievalSettings
from rag.storage.catalog import PaperCatalog
from rag.types import Hit

MODES = ("hybrid", "dense", "bm25")


class PaperSearch:
    """``search(question, top_k, filters, mode)``: refuses an empty collection or impossible filters in one line.

    The answering step retrieves through this same object, so a chat question and
    ``rag retrieve`` meet the same rules.
    """

    def __init__(self, settings: RetrievalSettings, retriever: HybridRetriever, catalog: PaperCatalog):
        self.settings = settings
        self.retriever = retriever
        self.catalog = catalog
        self.filters = FilterResolver(catalog)

    def search(self, question: str, top_k: int | None = None, filters: dict | RetrievalFilters | None = None,
               mode: str | None = None) -> list[Hit]:
        return self.search_resolved(question, top_k, self.resolve(filters, mode), mode)

    def resolve(self, filters: dict | RetrievalFilters | None = None, mode: str | None = None) -> FilterPlan:
        """Check the mode and the collection, and resolve the filters once (several searches can share the result)."""
        if mode is not None and mode not in MODES:
            raise UserError(f"unknown retrieval mode '{mode}'; use hybrid, dense or bm25")
        self.catalog.require_papers()
        return self.filters.resolve(parse_filters(filters, self.settings.filters))

    def search_resolved(self, question: str, top_k: int | None, plan: FilterPlan, mode: str | None = None) -> list[Hit]:
        """The search itself, under filters :meth:`resolve` has checked."""
        return self.retriever.retrieve(question, top_k or self.settings.top_k, plan, mode)
