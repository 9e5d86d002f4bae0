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

from rag.errors import UserError
from rag.types import PaperMeta

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
"""


@dataclass
class CatalogPaper:
    """One stored paper: identity, text, what is known about it, and the hash of its text."""

    paper_id: str
    norm_title: str
    title: str
    abstract: str
    meta: PaperMeta = field(default_factory=PaperMeta)
    content_hash: str = ""

    def chunk_metadata(self, index: int) -> dict:
        """Metadata of chunk ``index`` for Chroma (lists are allowed; None values are not)."""
        meta = {
            "paper_id": self.paper_id,
            "title": self.title,
            "authors": self.meta.authors or [""],
            "categories": self.meta.categories or [""],
            "sources": self.meta.sources or [""],
            "url": self.meta.url or "",
            "date": self.meta.date or "",
            "chunk_index": index,
        }
        if self.meta.year is not None:
            meta["year"] = int(self.meta.year)
        return meta


_COLUMNS = "paper_id, norm_title, title, abstract, authors, year, date, categories, url, sources, content_hash, n_chunks"


def _row_to_paper(row: tuple) -> CatalogPaper:
    meta = PaperMeta(authors=json.loads(row[4]), year=row[5], date=row[6], categories=json.loads(row[7]), url=row[8],
                     sources=json.loads(row[9]), n_chunks=row[11])
    return CatalogPaper(paper_id=row[0], norm_title=row[1], title=row[2], abstract=row[3], meta=meta, content_hash=row[10])


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
        for start in range(0, len(ids), 900):  # SQLite's default cap on bound parameters is 999
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

    def ids_named(self, name: str, limit: int = 3) -> list[str]:
        """Papers whose title opens with ``name`` and a colon ("ZeRO: Memory Optimizations ..."), case as written.

        The one search that tells ZeRO from "zero-shot": both retrievers fold case, and MiniLM has no notion of the name.
        """
        rows = self.db.execute("SELECT paper_id FROM papers WHERE substr(title, 1, ?) = ? AND substr(title, ?, 1) = ':' LIMIT ?",
                               (len(name), name, len(name) + 1, limit))
        return [row[0] for row in rows]

    def upsert(self, papers: Iterable[CatalogPaper]) -> None:
        rows = [
            (p.paper_id, p.norm_title, p.title, p.abstract, json.dumps(p.meta.authors), p.meta.year, p.meta.date,
             json.dumps(p.meta.categories), p.meta.url, json.dumps(p.meta.sources), p.content_hash, p.meta.n_chunks)
            for p in papers
        ]
        with self.db:
            self.db.executemany(f"INSERT OR REPLACE INTO papers ({_COLUMNS}) VALUES ({','.join('?' * 12)})", rows)

    def iter_papers(self) -> Iterator[CatalogPaper]:
        for row in self.db.execute(f"SELECT {_COLUMNS} FROM papers ORDER BY paper_id"):
            yield _row_to_paper(row)

    def papers_matching(self, *, year_from: int | None = None, year_to: int | None = None, category: str | None = None,
                        sources: list[str] | None = None, author: str | None = None) -> set[str]:
        """Ids of the papers meeting every given condition (author and category: case-insensitive / exact)."""
        sql: list[str] = []
        args: list = []
        if year_from is not None:
            sql.append("year >= ?")
            args.append(year_from)
        if year_to is not None:
            sql.append("year <= ?")
            args.append(year_to)
        if category:
            # Lists are stored as JSON; matching the quoted item keeps "cs.L" from matching "cs.LG".
            sql.append("categories LIKE ?")
            args.append(f"%{json.dumps(category)}%")
        if sources:
            sql.append("(" + " OR ".join("sources LIKE ?" for _ in sources) + ")")
            args.extend(f"%{json.dumps(s)}%" for s in sources)
        if author:
            sql.append("lower(authors) LIKE ?")
            args.append(f"%{author.lower()}%")
        query = "SELECT paper_id FROM papers" + (" WHERE " + " AND ".join(sql) if sql else "")
        return {row[0] for row in self.db.execute(query, args)}

    def is_empty(self) -> bool:
        """Cheap enough for every query, unlike stats(), which reads every paper's sources."""
        return self.db.execute("SELECT 1 FROM papers LIMIT 1").fetchone() is None

    def require_papers(self) -> None:
        """Raise the one-line error for questions asked of an empty collection."""
        if self.is_empty():
            raise UserError("the collection is empty; ingest something first: rag ingest PATH")

    def sources(self) -> list[str]:
        """Every input file any paper was read from, sorted."""
        found: set[str] = set()
        for (raw,) in self.db.execute("SELECT sources FROM papers"):
            found.update(json.loads(raw))
        return sorted(found)

    def stats(self) -> dict:
        papers, chunks = self.db.execute("SELECT count(*), coalesce(sum(n_chunks), 0) FROM papers").fetchone()
        return {"papers": papers, "chunks": chunks, "sources": self.sources()}
