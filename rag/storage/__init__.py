"""Storage: the Chroma vectors, the BM25 index and the SQLite catalog of one collection."""
