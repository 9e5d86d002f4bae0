"""The paper catalog: one SQLite row per paper, next to the vector store.

Chroma holds chunks; the catalog holds what ingest needs to stay idempotent and cheap
(content hashes, merged sources, title → id for cross-source dedup) and what the UI and
filters need per paper without scanning every chunk.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    paper_id TEXT PRIMARY KEY,
    norm_title TEXT NOT NULL,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL,
    authors TEXT NOT NULL,
    year INTEGER,
    date TEXT,
    categories TEXT NOT NULL,
    url TEXT,
    sources TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    n_chunks INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS papers_norm_title ON papers(norm_title);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class CatalogPaper:
    paper_id: str
    norm_title: str
    title: str
    abstract: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    date: str | None = None
    categories: list[str] = field(default_factory=list)
    url: str | None = None
    sources: list[str] = field(default_factory=list)
    content_hash: str = ""
    n_chunks: int = 0

    def metadata(self) -> dict:
        """Chunk metadata for Chroma (lists are allowed; None values are not)."""
        meta = {
            "paper_id": self.paper_id,
            "title": self.title,
            "authors": self.authors or [""],
            "categories": self.categories or [""],
            "sources": self.sources or [""],
            "url": self.url or "",
            "date": self.date or "",
        }
        if self.year is not None:
            meta["year"] = int(self.year)
        return meta


_COLUMNS = "paper_id, norm_title, title, abstract, authors, year, date, categories, url, sources, content_hash, n_chunks"


def _row_to_paper(row: tuple) -> CatalogPaper:
    return CatalogPaper(
        paper_id=row[0], norm_title=row[1], title=row[2], abstract=row[3], authors=json.loads(row[4]),
        year=row[5], date=row[6], categories=json.loads(row[7]), url=row[8], sources=json.loads(row[9]),
        content_hash=row[10], n_chunks=row[11],
    )


class PaperCatalog:
    """SQLite catalog of papers in one data directory (or for one server collection)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Readers (the chat) and the ingest writer share the file; WAL lets them overlap.
        self.db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def get_many(self, paper_ids: Iterable[str]) -> dict[str, CatalogPaper]:
        ids = list(paper_ids)
        out: dict[str, CatalogPaper] = {}
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            marks = ",".join("?" * len(part))
            for row in self.db.execute(f"SELECT {_COLUMNS} FROM papers WHERE paper_id IN ({marks})", part):
                out[row[0]] = _row_to_paper(row)
        return out

    def get(self, paper_id: str) -> CatalogPaper | None:
        return self.get_many([paper_id]).get(paper_id)

    def id_for_title(self, norm_title: str) -> str | None:
        row = self.db.execute("SELECT paper_id FROM papers WHERE norm_title = ? LIMIT 1", (norm_title,)).fetchone()
        return row[0] if row else None

    def upsert(self, papers: Iterable[CatalogPaper]) -> None:
        rows = [
            (p.paper_id, p.norm_title, p.title, p.abstract, json.dumps(p.authors), p.year, p.date,
             json.dumps(p.categories), p.url, json.dumps(p.sources), p.content_hash, p.n_chunks)
            for p in papers
        ]
        with self.db:
            self.db.executemany(f"INSERT OR REPLACE INTO papers ({_COLUMNS}) VALUES ({','.join('?' * 12)})", rows)

    def iter_papers(self) -> Iterator[CatalogPaper]:
        for row in self.db.execute(f"SELECT {_COLUMNS} FROM papers ORDER BY paper_id"):
            yield _row_to_paper(row)

    def ids_matching(self, author: str | None = None) -> list[str]:
        """Paper ids whose author list contains ``author`` as a case-insensitive substring."""
        rows = self.db.execute("SELECT paper_id FROM papers WHERE lower(authors) LIKE ?", (f"%{(author or '').lower()}%",))
        return [r[0] for r in rows]

    def is_empty(self) -> bool:
        """Cheap enough for every query, unlike stats(), which reads every paper's sources."""
        return self.db.execute("SELECT 1 FROM papers LIMIT 1").fetchone() is None

    def stats(self) -> dict:
        papers, chunks = self.db.execute("SELECT count(*), coalesce(sum(n_chunks), 0) FROM papers").fetchone()
        sources: set[str] = set()
        for (raw,) in self.db.execute("SELECT sources FROM papers"):
            sources.update(json.loads(raw))
        return {"papers": papers, "chunks": chunks, "sources": sorted(sources)}

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        self.db.close()
