"""Ingest: parse → dedupe → chunk → embed → write, in bounded batches.

Crash safety comes from the order of writes in each batch: vectors go to Chroma first
(upserts under deterministic chunk ids, then removal of that paper's stale chunks), and
the catalog row is committed last. A batch interrupted anywhere is simply redone by the
next run, and redoing it writes the same ids and vectors, so the result equals a clean run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol, Sequence

from rag.catalog import CatalogPaper, PaperCatalog
from rag.errors import UserError
from rag.identity import normalize_title, paper_id_for
from rag.parsers import iter_input_files, parse_file
from rag.records import Chunk, PaperRecord, Rejection
from rag.store import ChromaStore

if TYPE_CHECKING:
    # Only for annotations: rag.chunking imports llama-index (~3 s), which `rag serve` and
    # `rag stats` never need; the chunker itself is built on demand by the caller.
    from rag.chunking import TitleChunker


@dataclass
class IngestReport:
    """What one ingest run did. ``rejected`` holds one entry per input that could not be used."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    chunks_written: int = 0
    files: int = 0
    seconds: float = 0.0
    # Time inside the embedding model alone, so a run can report its own pipeline overhead.
    embed_seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.merged} duplicates merged, {len(self.rejected)} rejected; "
            f"{self.chunks_written} chunks written from {self.files} file(s) in {self.seconds:.1f} s"
        )


class ChunkListener(Protocol):
    """Anything that mirrors the chunk set (e.g. the BM25 index) and must follow each batch."""

    def apply(self, upserted: Sequence[Chunk], deleted_ids: Sequence[str]) -> None: ...


def content_hash(title: str, abstract: str) -> str:
    return hashlib.sha1(f"{title}\n{abstract}".encode("utf-8")).hexdigest()


class _DataDirLock:
    """One writer per data directory; a second ingest waits up to ``timeout`` then says so."""

    def __init__(self, data_dir: Path, timeout: float):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "ingest.lock"
        self.timeout = timeout
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, "a+")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.handle.close()
                    raise UserError(
                        f"another ingest is writing to {self.path.parent}; wait for it to finish "
                        "(or raise ingest.lock_timeout_s to wait automatically)"
                    ) from None
                time.sleep(0.5)
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _batched(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _merge_into(paper: CatalogPaper, record: PaperRecord) -> None:
    """Newer non-empty fields win; sources accumulate."""
    paper.title, paper.abstract = record.title, record.abstract
    paper.authors = record.authors or paper.authors
    paper.year = record.year if record.year is not None else paper.year
    paper.date = record.date or paper.date
    paper.categories = record.categories or paper.categories
    paper.url = record.url or paper.url
    if record.source not in paper.sources:
        paper.sources = paper.sources + [record.source]


class IngestPipeline:
    """Runs ingest over files and folders into one store + catalog.

    ``progress(done_papers, total_or_None)`` is called before the first batch and after
    each one; the total is an estimate (see rag.progress) or None when none is cheap.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        batch_papers: int,
        lock_timeout_s: float,
        embedder,
        chunker: Callable[[], TitleChunker],
        store: ChromaStore,
        catalog: PaperCatalog,
        listeners: Sequence[ChunkListener] = (),
        progress: Callable[[int, int | None], None] | None = None,
    ):
        self.data_dir = data_dir
        self.batch_papers = batch_papers
        self.lock_timeout_s = lock_timeout_s
        self.embedder = embedder
        self._make_chunker = chunker
        self._chunker: TitleChunker | None = None
        self.store = store
        self.catalog = catalog
        self.listeners = list(listeners)
        self.progress = progress

    def run(self, paths: Iterable[str | Path]) -> IngestReport:
        started = time.perf_counter()
        files = iter_input_files(paths)
        report = IngestReport(files=len(files))
        seen_in_run: set[str] = set()
        done = 0
        total = None
        if self.progress:
            from rag.progress import estimate_papers

            total = estimate_papers(files)
            self.progress(0, total)
        with _DataDirLock(self.data_dir, self.lock_timeout_s):
            for batch in _batched(self._records(files, report), self.batch_papers):
                self._ingest_batch(batch, report, seen_in_run)
                done += len(batch)
                if self.progress:
                    self.progress(done, total)
        report.seconds = time.perf_counter() - started
        return report

    def _records(self, files: list[Path], report: IngestReport) -> Iterator[PaperRecord]:
        for path in files:
            for item in parse_file(path):
                if isinstance(item, Rejection):
                    report.rejected.append(item)
                else:
                    yield item

    def _resolve_id(self, record: PaperRecord, batch_titles: dict[str, str]) -> str:
        norm = normalize_title(record.title)
        if norm in batch_titles:
            return batch_titles[norm]
        # The same paper may arrive from a listing page (no arXiv id) and a metadata dump:
        # the first id it was stored under wins, so its sources merge instead of duplicating.
        existing = self.catalog.id_for_title(norm)
        pid = existing or paper_id_for(record.title, record.arxiv_id)
        batch_titles[norm] = pid
        return pid

    def _ingest_batch(self, batch: list[PaperRecord], report: IngestReport, seen_in_run: set[str]) -> None:
        batch_titles: dict[str, str] = {}
        resolved = [(self._resolve_id(r, batch_titles), r) for r in batch]
        existing = self.catalog.get_many({pid for pid, _ in resolved})
        pending: dict[str, CatalogPaper] = {}
        for pid, record in resolved:
            stored = existing.get(pid)
            paper = pending.get(pid) or (replace(stored) if stored else None)
            if pid in pending or pid in seen_in_run:
                report.merged += 1
            elif stored is None:
                report.added += 1
            elif content_hash(record.title, record.abstract) != stored.content_hash:
                report.updated += 1
            else:
                report.unchanged += 1
            if paper is None:
                paper = CatalogPaper(paper_id=pid, norm_title="", title=record.title, abstract=record.abstract)
            _merge_into(paper, record)
            paper.norm_title = normalize_title(paper.title)
            paper.content_hash = content_hash(paper.title, paper.abstract)
            pending[pid] = paper
            seen_in_run.add(pid)
        to_embed = {pid for pid, p in pending.items() if pid not in existing or existing[pid].content_hash != p.content_hash}
        meta_only = {pid for pid, p in pending.items() if pid not in to_embed and existing[pid] != p}
        self._write(pending, to_embed, meta_only, report)

    def _write(self, pending: dict[str, CatalogPaper], to_embed: set[str], meta_only: set[str], report: IngestReport) -> None:
        chunks: list[Chunk] = []
        for pid in sorted(to_embed):
            paper = pending[pid]
            if self._chunker is None:
                # Built on demand: it needs the model's tokenizer, and a re-ingest of
                # unchanged files should not pay for loading the model.
                self._chunker = self._make_chunker()
            texts = self._chunker.split(paper.title, paper.abstract)
            paper.n_chunks = len(texts)
            meta = paper.metadata()
            for index, text in enumerate(texts):
                chunks.append(Chunk(chunk_id=f"{pid}#{index}", paper_id=pid, text=text, metadata={**meta, "chunk_index": index}))
        deleted: list[str] = []
        if chunks:
            embed_started = time.perf_counter()
            vectors = self.embedder.embed([c.text for c in chunks])
            report.embed_seconds += time.perf_counter() - embed_started
            self.store.upsert([c.chunk_id for c in chunks], vectors, [c.text for c in chunks], [c.metadata for c in chunks])
            keep = {c.chunk_id for c in chunks}
            deleted = [cid for cid in self.store.chunk_ids_for(sorted(to_embed)) if cid not in keep]
            self.store.delete(deleted)
            report.chunks_written += len(chunks)
        if meta_only:
            ids, metas = [], []
            for pid in sorted(meta_only):
                paper = pending[pid]
                for index in range(paper.n_chunks):
                    ids.append(f"{pid}#{index}")
                    metas.append({**paper.metadata(), "chunk_index": index})
            self.store.update_metadata(ids, metas)
        for listener in self.listeners:
            listener.apply(chunks, deleted)
        self.catalog.upsert(pending.values())
