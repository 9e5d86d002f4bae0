"""The pure planning step of ingest: duplicates merged, changes detected, nothing written."""

from rag.ingest.stages import batched, content_hash, plan_batch
from rag.storage.catalog import CatalogPaper
from rag.types import PaperMeta, PaperRecord


def _record(title="Deep Nets", abstract="We study nets.", source="a.txt", **kw) -> PaperRecord:
    return PaperRecord(title=title, abstract=abstract, source=source, **kw)


def test_batched():
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]


def test_new_papers_and_a_duplicate_in_one_batch():
    plan = plan_batch([_record(), _record(title="DEEP nets!", source="b.jsonl", arxiv_id="2401.00001", authors=["Ada"])],
                      id_for_title=lambda norm: None, stored=lambda ids: {}, seen_in_run=set())
    assert (plan.added, plan.merged) == (1, 1)
    (paper,) = plan.papers.values()
    assert paper.meta.sources == ["a.txt", "b.jsonl"] and paper.meta.authors == ["Ada"]
    assert plan.to_embed == {paper.paper_id} and plan.meta_only == set()


def test_unchanged_updated_and_metadata_only():
    stored = CatalogPaper("title:x", "deep nets", "Deep Nets", "We study nets.", PaperMeta(sources=["a.txt"], n_chunks=1),
                          content_hash("Deep Nets", "We study nets."))
    lookup = {"deep nets": "title:x"}.get
    same = plan_batch([_record()], lookup, lambda ids: {"title:x": stored}, set())
    assert (same.unchanged, same.to_embed, same.meta_only) == (1, set(), set())
    more_meta = plan_batch([_record(year=2024)], lookup, lambda ids: {"title:x": stored}, set())
    assert more_meta.meta_only == {"title:x"} and more_meta.to_embed == set()
    assert stored.meta.year is None, "planning must not modify the stored paper"
    changed = plan_batch([_record(abstract="We study nets again.")], lookup, lambda ids: {"title:x": stored}, set())
    assert (changed.updated, changed.to_embed) == (1, {"title:x"})
