"""The BM25 side of the store: tokenizer, incremental in-memory index, and its files on disk."""

from rag.storage.bm25.index import Segment, TermIndex
from rag.storage.bm25.store import BM25Store
from rag.storage.bm25.tokenizer import BM25Tokenizer

__all__ = ["BM25Store", "BM25Tokenizer", "Segment", "TermIndex"]
