"""Retrieval: questions in, papers (Hit objects) out."""

from rag.retrieval.filters import FilterPlan, FilterResolver, parse_filters
from rag.retrieval.hybrid import HybridRetriever

__all__ = ["FilterPlan", "FilterResolver", "HybridRetriever", "parse_filters"]
