"""Ingest: find files → parse → plan each batch → chunk → embed → write, in bounded batches,
with reading/chunking, embedding and writing overlapped across batches (rag.ingest.overlap).

Crash safety comes from the order of writes in each batch: vectors go to Chroma first
(upserts under deterministic chunk ids, then removal of that paper's stale chunks), the
chunk listeners (the BM25 index) follow, and the catalog row is committed last. A batch
interrupted anywhere is simply redone by the next run, and redoing it writes the same ids
and vectors, so the result equals a clean run.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol, Sequence

import numpy as np

from rag.errors import UserError
from rag.ingest.files import describe_skipped, iter_input_files
from rag.ingest.formats import describe_supported
from rag.ingest.lock import DataDirLock
from rag.ingest.parsers import parse_file
from rag.ingest.overlap import OverlappedStages
from rag.ingest.prebuilt import PrebuiltVectors
from rag.ingest.stages import BatchPlan, PendingPapers, batched, plan_batch
from rag.storage.catalog import PaperCatalog
from rag.storage.state import CollectionState
from rag.storage.vectors import ChromaStore
from rag.types import Chunk, ChunkId, PaperRecord, Rejection

if TYPE_CHECKING:
    # Only for annotations: rag.ingest.chunking imports llama-index (~3 s), which `rag serve`
    # and `rag stats` never need; the chunker itself is built on demand by the caller.
    from rag.ingest.chunking import TitleChunker
    from rag.storage.sentences import SentenceVectorStore


@dataclass
class IngestReport:
    """What one ingest run did. ``rejected`` holds one entry per input that could not be used."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    # Files a folder walk left out because their type holds no papers we read (.pdf, .md, ...).
    skipped: list[Path] = field(default_factory=list)
    chunks_written: int = 0
    files: int = 0
    seconds: float = 0.0
    # Time inside the embedding model alone, so a run can report its own pipeline overhead.
    embed_seconds: float = 0.0
    prebuilt_chunks: int = 0  # chunks whose vector came from a shipped .vectors file (rag.ingest.prebuilt)

    def count(self, plan: BatchPlan) -> None:
        self.added += plan.added
        self.updated += plan.updated
        self.unchanged += plan.unchanged
        self.merged += plan.merged

    def to_dict(self) -> dict:
        """The report as JSON-friendly data (what `rag ingest --json` prints)."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "merged": self.merged,
                "rejected": [{"source": r.source, "line": r.line, "reason": r.reason} for r in self.rejected],
                "skipped": [str(p) for p in self.skipped], "chunks_written": self.chunks_written, "files": self.files,
                "seconds": round(self.seconds, 3), "embed_seconds": round(self.embed_seconds, 3),
                "prebuilt_chunks": self.prebuilt_chunks}

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.merged} duplicates merged, {len(self.rejected)} rejected; "
            f"{self.chunks_written} chunks written from {self.files} file(s) in {self.seconds:.1f} s"
            + (f" ({self.prebuilt_chunks} vectors from the folder's shipped .vectors file)" if self.prebuilt_chunks else "")
        )


class ChunkListener(Protocol):
    """Anything that mirrors the chunk set (e.g. the BM25 index) and must follow each batch."""

    def apply(self, upserted: Sequence[Chunk], deleted_ids: Sequence[str]) -> None: ...


class IngestPipeline:
    """Runs ingest over files and folders into one store + catalog.

    ``progress(done_papers, total_or_None)`` is called before the first batch and after
    each one; the total is an estimate (see rag.ingest.progress) or None when none is cheap.
    """

    def __init__(
        self,
        *,
        lock: DataDirLock,
        batch_papers: int,
        lock_timeout_s: float,
        max_abstract_chars: int | None = None,
        embedder,
        chunker: Callable[[], TitleChunker],
        store: ChromaStore,
        catalog: PaperCatalog,
        listeners: Sequence[ChunkListener] = (),
        progress: Callable[[int, int | None], None] | None = None,
        state: CollectionState | None = None,
        prebuilt_vectors: bool = False,
        sentence_store: SentenceVectorStore | None = None,
    ):
        self.lock = lock
        self.batch_papers = batch_papers
        self.max_abstract_chars = max_abstract_chars
        self.lock_timeout_s = lock_timeout_s
        self.embedder = embedder
        self._make_chunker = chunker
        self._chunker: TitleChunker | None = None
        self.store = store
        self.catalog = catalog
        self.listeners = list(listeners)
        self.progress = progress
        self.state = state
        self.use_prebuilt = prebuilt_vectors
        self.prebuilt: PrebuiltVectors | None = None
        self.sentence_store = sentence_store

    def ingest(self, paths: Iterable[str | Path]) -> IngestReport:
        started = time.perf_counter()
        paths = list(paths)
        skipped: list[Path] = []
        files = iter_input_files(paths, skipped)
        if not files:
            named = ", ".join(str(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
            raise UserError(f"no files to ingest in {named}: none has a supported type ({describe_supported()})"
                            + (f"; {describe_skipped(skipped)}" if skipped else ""))
        report = IngestReport(files=len(files), skipped=skipped)
        self.prebuilt = PrebuiltVectors.beside(files, self.embedder.name) if self.use_prebuilt else None
        if self.prebuilt and self.sentence_store is not None:
            # Keyed by exact text, so vectors of sentences no stored paper has are never read: seeding is safe up front.
            self.sentence_store.put_digests(self.prebuilt.sentence_digests, self.prebuilt.sentence_vectors)
        seen_in_run: set[str] = set()
        done, total = 0, self._estimate(files)
        with self.lock.hold(self.lock_timeout_s):
            pending = PendingPapers(self.catalog.id_for_title, self.catalog.get_many)

            def prepared() -> Iterator[tuple[BatchPlan, list[Chunk], int]]:
                for batch in batched(self.read_records(files, report, self.max_abstract_chars), self.batch_papers):
                    plan = plan_batch(batch, pending.id_for_title, pending.get_many, seen_in_run)
                    pending.hold(plan)
                    report.count(plan)
                    yield plan, self.chunk(plan), len(batch)

            def embedded(item: tuple[BatchPlan, list[Chunk], int]):
                plan, chunks, n = item
                return plan, chunks, *self.embed(chunks, report), n

            def written(item) -> None:
                nonlocal done
                plan, chunks, vectors, encoders, n = item
                self.write(plan, chunks, vectors, report, catalog_guard=pending.guard, encoders=encoders)
                pending.release(plan)
                done += n
                if self.progress:
                    self.progress(done, total)

            # Batch n+1 is read and chunked, and batch n-1 written, while batch n is embedded.
            OverlappedStages(prepared(), embedded, written).drain()
        report.seconds = time.perf_counter() - started
        return report

    def _estimate(self, files: list[Path]) -> int | None:
        if not self.progress:
            return None
        from rag.ingest.progress import estimate_papers

        total = estimate_papers(files)
        self.progress(0, total)
        return total

    @staticmethod
    def read_records(files: list[Path], report: IngestReport, max_abstract_chars: int | None = None) -> Iterator[PaperRecord]:
        """Every paper of every file, in order; what cannot be used goes to ``report.rejected``.

        An abstract over ``max_abstract_chars`` is rejected: chunking and embedding cost grows
        with its length, and no real abstract comes near the limit.
        """
        for path in files:
            for item in parse_file(path):
                if isinstance(item, Rejection):
                    report.rejected.append(item)
                elif max_abstract_chars and len(item.abstract) > max_abstract_chars:
                    report.rejected.append(Rejection(item.source, item.line, (
                        f"abstract is {len(item.abstract):,} characters, over ingest.max_abstract_chars ({max_abstract_chars:,}): "
                        "shorten it or raise the limit")))
                else:
                    yield item

    def chunk(self, plan: BatchPlan) -> list[Chunk]:
        """New chunks for the papers whose text changed (title kept in each chunk)."""
        chunks: list[Chunk] = []
        for pid in sorted(plan.to_embed):
            paper = plan.papers[pid]
            if self._chunker is None:
                # Built on demand: it needs the model's tokenizer, and a re-ingest of
                # unchanged files should not pay for loading the model.
                self._chunker = self._make_chunker()
            texts = self._chunker.split(paper.title, paper.abstract)
            paper.meta.n_chunks = len(texts)
            chunks.extend(Chunk(ChunkId.make(pid, i), pid, text, paper.chunk_metadata(i)) for i, text in enumerate(texts))
        return chunks

    def embed(self, chunks: list[Chunk], report: IngestReport) -> tuple[np.ndarray | None, list[str]]:
        """The chunks' vectors (None when there are none) and the encoders that made them.

        A chunk whose text the folder's shipped vectors hold (rag.ingest.prebuilt) takes that vector;
        the model embeds the rest, timed into ``report.embed_seconds``.
        """
        if not chunks:
            return None, []
        texts = [c.text for c in chunks]
        shipped = self.prebuilt.lookup(texts) if self.prebuilt else [None] * len(texts)
        missing = [i for i, v in enumerate(shipped) if v is None]
        report.prebuilt_chunks += len(texts) - len(missing)
        encoders = ([self.prebuilt.variant] if len(missing) < len(texts) else []) + ([self.embedder.variant] if missing else [])
        fresh = None
        if missing:
            embed_started = time.perf_counter()
            fresh = self.embedder.embed([texts[i] for i in missing])
            report.embed_seconds += time.perf_counter() - embed_started
            if len(missing) == len(texts):
                return fresh, encoders
        known = [v for v in shipped if v is not None]
        vectors = np.empty((len(texts), len(known[0])), dtype=np.float32)
        vectors[[i for i, v in enumerate(shipped) if v is not None]] = known
        if missing:
            vectors[missing] = fresh
        return vectors, encoders

    def write(self, plan: BatchPlan, chunks: list[Chunk], vectors, report: IngestReport,
              catalog_guard: AbstractContextManager | None = None, encoders: Sequence[str] = ()) -> None:
        """Vectors first, then stale-chunk removal, metadata-only updates, listeners, and the catalog last.

        ``catalog_guard`` is held around the catalog commit, to keep it apart from the planner's reads;
        ``encoders`` are what ``embed`` said made the vectors (the model's variant when not given).
        """
        deleted: list[str] = []
        if chunks:
            for encoder in encoders or [self.embedder.variant]:  # the model's, the shipped file's, or both
                self.store.record_encoder(encoder)
            self.store.upsert([c.chunk_id for c in chunks], vectors, [c.text for c in chunks], [c.metadata for c in chunks])
            keep = {c.chunk_id for c in chunks}
            deleted = [cid for cid in self.store.chunk_ids_for(sorted(plan.to_embed)) if cid not in keep]
            self.store.delete(deleted)
            report.chunks_written += len(chunks)
        if plan.meta_only:
            papers = [plan.papers[pid] for pid in sorted(plan.meta_only)]
            ids = [ChunkId.make(p.paper_id, i) for p in papers for i in range(p.meta.n_chunks)]
            metas = [p.chunk_metadata(i) for p in papers for i in range(p.meta.n_chunks)]
            self.store.update_metadata(ids, metas)
        for listener in self.listeners:
            listener.apply(chunks, deleted)
        with catalog_guard or nullcontext():
            self.catalog.upsert(plan.papers.values())
        if self.state is not None and (chunks or deleted or plan.meta_only or plan.added or plan.updated):
            # Last: a serving process moves to the new state only once all three stores hold it.
            self.state.advance()
