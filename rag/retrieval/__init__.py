"""Retrieval: questions in, papers (Hit objects) out."""

from rag.retrieval.dense import DenseRetriever

__all__ = ["DenseRetriever"]
