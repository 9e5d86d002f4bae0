"""The pure steps of ingest: batch the records, resolve each to a paper, decide what must be re-embedded.

Nothing here writes; :mod:`rag.ingest.pipeline` runs these steps and then writes.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator

from rag.ingest.identity import normalize_title, paper_id_for
from rag.storage.catalog import CatalogPaper
from rag.types import PaperMeta, PaperRecord


def content_hash(title: str, abstract: str) -> str:
    """What decides whether a paper's chunks must be embedded again."""
    return hashlib.sha1(f"{title}\n{abstract}".encode("utf-8")).hexdigest()


def batched(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def merge_record(paper: CatalogPaper, record: PaperRecord) -> None:
    """Fold a newly read record into the stored paper: newer non-empty fields win; sources accumulate."""
    meta = paper.meta
    paper.title, paper.abstract = record.title, record.abstract
    meta.authors = record.authors or meta.authors
    meta.year = record.year if record.year is not None else meta.year
    meta.date = record.date or meta.date
    meta.categories = record.categories or meta.categories
    meta.url = record.url or meta.url
    if record.source not in meta.sources:
        meta.sources = meta.sources + [record.source]
    paper.norm_title = normalize_title(paper.title)
    paper.content_hash = content_hash(paper.title, paper.abstract)


@dataclass
class BatchPlan:
    """What one batch changes: the merged papers, which need new chunks, which only new metadata, and the counts."""

    papers: dict[str, CatalogPaper] = field(default_factory=dict)
    to_embed: set[str] = field(default_factory=set)
    meta_only: set[str] = field(default_factory=set)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0


def plan_batch(batch: list[PaperRecord], id_for_title: Callable[[str], str | None],
               stored: Callable[[set[str]], dict[str, CatalogPaper]], seen_in_run: set[str]) -> BatchPlan:
    """Resolve every record to its paper id and merge duplicates.

    The same paper may arrive from a listing page (no arXiv id) and a metadata dump: the
    first id it was stored under (``id_for_title``) wins, so its sources merge instead of
    the paper being stored twice. ``seen_in_run`` carries ids across the batches of one run.
    """
    titles: dict[str, str] = {}
    resolved = []
    for record in batch:
        norm = normalize_title(record.title)
        if norm not in titles:
            titles[norm] = id_for_title(norm) or paper_id_for(record.title, record.arxiv_id)
        resolved.append((titles[norm], record))
    existing = stored({pid for pid, _ in resolved})
    plan = BatchPlan()
    for pid, record in resolved:
        before = existing.get(pid)
        if pid in plan.papers or pid in seen_in_run:
            plan.merged += 1
        elif before is None:
            plan.added += 1
        elif content_hash(record.title, record.abstract) != before.content_hash:
            plan.updated += 1
        else:
            plan.unchanged += 1
        paper = plan.papers.get(pid)
        if paper is None:
            paper = replace(before, meta=replace(before.meta)) if before else CatalogPaper(pid, "", record.title, record.abstract, PaperMeta())
        merge_record(paper, record)
        plan.papers[pid] = paper
        seen_in_run.add(pid)
    plan.to_embed = {pid for pid, p in plan.papers.items() if pid not in existing or existing[pid].content_hash != p.content_hash}
    plan.meta_only = {pid for pid, p in plan.papers.items() if pid not in plan.to_embed and existing[pid] != p}
    return plan


class PendingPapers:
    """The catalog as a batch being planned must see it: stored papers, overlaid with papers
    that earlier batches of this run planned but whose writes have not landed yet.

    With overlapped stages, batch n+1 is planned while batch n is still being embedded, so
    its papers are not in the catalog yet; without this overlay a paper seen in batch n under
    one id (a listing page, no arXiv id) would get a second id in batch n+1 (a dump, with
    one), or lose the sources merged in batch n. Only unwritten batches are held, so memory
    stays at a couple of batches. Safe across threads: lookups and releases take one lock,
    and a batch is released only after its catalog commit.

    >>> pending = PendingPapers(stored_ids=lambda norm: None, stored=lambda ids: {})
    >>> plan = BatchPlan(papers={"p1": CatalogPaper("p1", "deep nets", "Deep nets", "...")})
    >>> pending.hold(plan)
    >>> pending.id_for_title("deep nets"), sorted(pending.get_many({"p1", "p2"}))
    ('p1', ['p1'])
    >>> pending.release(plan); pending.id_for_title("deep nets") is None
    True
    """

    def __init__(self, stored_ids: Callable[[str], str | None], stored: Callable[[set[str]], dict[str, CatalogPaper]]):
        self._stored_ids = stored_ids
        self._stored = stored
        self._lock = threading.Lock()
        # Held by the planner's catalog reads; the writer takes it around its catalog commit,
        # so the two threads never interleave statements on the one SQLite connection.
        self.guard = threading.Lock()
        # pid / normalised title → (the plan that holds it, value); the newest plan wins.
        self._papers: dict[str, tuple[int, CatalogPaper]] = {}
        self._titles: dict[str, tuple[int, str]] = {}

    def hold(self, plan: BatchPlan) -> None:
        with self._lock:
            for pid, paper in plan.papers.items():
                self._papers[pid] = (id(plan), paper)
                self._titles[paper.norm_title] = (id(plan), pid)

    def release(self, plan: BatchPlan) -> None:
        """Called once the plan's batch is committed: from then on the catalog answers for it."""
        with self._lock:
            for key in [k for k, (owner, _) in self._papers.items() if owner == id(plan)]:
                del self._papers[key]
            for key in [k for k, (owner, _) in self._titles.items() if owner == id(plan)]:
                del self._titles[key]

    def id_for_title(self, norm_title: str) -> str | None:
        with self._lock:
            held = self._titles.get(norm_title)
            if held:
                return held[1]
            with self.guard:
                return self._stored_ids(norm_title)

    def get_many(self, paper_ids: set[str]) -> dict[str, CatalogPaper]:
        # Under the lock: a paper is either still held here or already committed, never neither.
        with self._lock:
            held = {pid: self._papers[pid][1] for pid in paper_ids if pid in self._papers}
            with self.guard:
                return self._stored(set(paper_ids) - set(held)) | held
