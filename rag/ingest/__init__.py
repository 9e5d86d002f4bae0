"""Ingest: find files, parse them into papers, deduplicate, chunk, embed and write them."""
