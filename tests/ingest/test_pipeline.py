"""Ingest on the real sample corpus: counts, dedup across pages, idempotence, updates, no orphans."""

from __future__ import annotations

import json
import shutil

import pytest

from rag import Assistant, UserError
from support import SAMPLE_DIR


def test_sample_corpus_gives_363_papers_with_every_page_recorded(sample_assistant):
    stats = sample_assistant.stats()
    assert stats.papers == 363
    assert len(stats.sources) == 4
    assert stats.chunks == sample_assistant.components.store.count()
    pages_per_paper = [len(p.meta.sources) for p in sample_assistant.components.catalog.iter_papers()]
    assert max(pages_per_paper) == 4
    assert sum(1 for n in pages_per_paper if n > 1) == 52  # 45 on two pages, 6 on three, 1 on four


def test_every_chunk_carries_the_metadata_contract(sample_assistant):
    got = sample_assistant.components.store.get(include=["metadatas", "documents"])
    assert len(got["ids"]) == sample_assistant.stats().chunks
    for cid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"]):
        for key in ("paper_id", "title", "authors", "categories", "url", "sources", "chunk_index", "date"):
            assert key in meta, key
        assert cid == f"{meta['paper_id']}#{meta['chunk_index']}"
        assert doc.startswith(meta["title"][:40]), "the title must be kept with every chunk"


def test_no_chunk_exceeds_the_model_window(sample_assistant):
    embedder = sample_assistant.components.embedder
    docs = sample_assistant.components.store.get(include=["documents"])["documents"]
    special = 2  # [CLS] and [SEP], which the model adds to every input
    assert max(len(embedder.tokenize(d)) + special for d in docs) <= 256


def test_reingest_is_idempotent_and_embeds_nothing(sample_data_dir, tmp_path):
    data_dir = tmp_path / "copy"
    shutil.copytree(sample_data_dir, data_dir)
    assistant = Assistant(data_dir=data_dir)
    before = assistant.components.store.get(include=["embeddings"])
    report = assistant.ingest([SAMPLE_DIR])
    assert (report.added, report.updated, report.chunks_written) == (0, 0, 0)
    assert report.unchanged == 363
    assert not assistant.components.embedder.loaded, "re-ingesting unchanged input must not even load the model"
    after = assistant.components.store.get(include=["embeddings"])
    assert sorted(before["ids"]) == sorted(after["ids"])


def test_changed_abstract_replaces_chunks_without_orphans(tmp_path):
    data_dir = tmp_path / "data"
    long_abstract = " ".join(f"Sentence number {i} talks about sparse attention kernels for long inputs." for i in range(60))
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"id": "2501.00001", "title": "Sparse Kernels", "abstract": long_abstract}) + "\n")
    assistant = Assistant(data_dir=data_dir)
    assert assistant.ingest([first]).added == 1
    n_long = assistant.components.store.count()
    assert n_long > 2
    first.write_text(json.dumps({"id": "2501.00001", "title": "Sparse Kernels", "abstract": "Now a short abstract."}) + "\n")
    report = assistant.ingest([first])
    assert report.updated == 1 and report.added == 0
    assert assistant.components.store.count() == 1, "the old chunks of an updated paper must be removed"
    assert assistant.components.store.get()["documents"] == ["Sparse Kernels\nNow a short abstract."]


def test_same_paper_from_two_formats_is_stored_once_with_sources_merged(tmp_path):
    data_dir = tmp_path / "data"
    page = tmp_path / "page.txt"
    page.write_text("Subscribe\nFast Kernels for Attention\n" + "We study attention. " * 20 + "\n")
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "2502.01234", "title": "Fast kernels for attention", "abstract": "We study attention. " * 20, "authors": ["Ada Lovelace"]}) + "\n")
    assistant = Assistant(data_dir=data_dir)
    assistant.ingest([page])
    assistant.ingest([dump])
    papers = list(assistant.components.catalog.iter_papers())
    assert len(papers) == 1
    assert papers[0].meta.sources == ["page.txt", "dump.jsonl"]
    assert papers[0].meta.authors == ["Ada Lovelace"]
    metas = assistant.components.store.get(include=["metadatas"])["metadatas"]
    assert all(m["sources"] == ["page.txt", "dump.jsonl"] for m in metas)


def test_a_duplicate_in_a_later_batch_of_the_same_run_merges_into_the_first(tmp_path):
    """Batches of one paper: the dump's copy is planned while the page's copy may still be
    embedding or unwritten (overlapped stages), and must still find it, not get a second id."""
    page = tmp_path / "a-page.txt"
    page.write_text("Subscribe\nFast Kernels for Attention\n" + "We study attention. " * 20 + "\n"
                    "Graph Sparsifiers at Scale\n" + "We sparsify graphs. " * 20 + "\n")
    dump = tmp_path / "b-dump.jsonl"
    dump.write_text(json.dumps({"id": "2502.01234", "title": "Fast kernels for attention", "abstract": "We study attention. " * 20,
                                "authors": ["Ada Lovelace"]}) + "\n")
    assistant = Assistant(data_dir=tmp_path / "data", ingest={"batch_papers": 1})
    report = assistant.ingest([page, dump])
    assert (report.added, report.merged) == (2, 1)
    papers = {p.title.lower(): p for p in assistant.components.catalog.iter_papers()}
    assert len(papers) == 2
    merged = papers["fast kernels for attention"]
    assert merged.meta.sources == ["a-page.txt", "b-dump.jsonl"] and merged.meta.authors == ["Ada Lovelace"]
    ids = assistant.components.store.get(include=["metadatas"])
    assert {m["paper_id"] for m in ids["metadatas"]} == {p.paper_id for p in papers.values()}
    assert all(m["sources"] == ["a-page.txt", "b-dump.jsonl"] for m in ids["metadatas"] if m["paper_id"] == merged.paper_id)


def test_bad_inputs_are_reported_and_good_ones_kept(tmp_path):
    data_dir = tmp_path / "data"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.jsonl").write_text("")
    (tmp_path / "in" / "binary.csv").write_bytes(b"\x00\x01\x02\xff" * 50)
    (tmp_path / "in" / "mixed.jsonl").write_text(
        json.dumps({"title": "Good Paper", "abstract": "A fine abstract about graphs."}) + "\n{not json\n"
        + json.dumps({"title": "No Abstract"}) + "\n"
    )
    report = Assistant(data_dir=data_dir).ingest([tmp_path / "in"])
    assert report.added == 1
    reasons = [str(r) for r in report.rejected]
    assert any("empty.jsonl" in r for r in reasons)
    assert any("binary.csv" in r for r in reasons)
    assert any("mixed.jsonl:2" in r for r in reasons), reasons
    assert any("mixed.jsonl:3" in r and "abstract" in r for r in reasons), reasons
    assert all("\n" not in r for r in reasons)


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        Assistant(data_dir=tmp_path / "d").ingest([tmp_path / "nope.jsonl"])


def test_store_built_with_another_model_is_refused(sample_data_dir, tmp_path):
    data_dir = tmp_path / "copy"
    shutil.copytree(sample_data_dir, data_dir)
    other = Assistant(data_dir=data_dir, embedding={"model": str(tmp_path / "some-other-model")})
    with pytest.raises(UserError, match="built with embedding model"):
        other.components.store  # opening the store is the check
    # Nothing stored was lost by the refusal.
    assert Assistant(data_dir=data_dir).stats().papers == 363


def test_an_oversized_abstract_is_rejected_with_the_limit_named(tmp_path):
    source = tmp_path / "big.jsonl"
    rows = [{"title": "A Normal Paper on Lattices", "abstract": "We study lattices and their uses. " * 10},
            {"title": "A Paper With A Megabyte Abstract", "abstract": "word " * 19_999 + "word."}]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = Assistant(data_dir=tmp_path / "d", ingest={"max_abstract_chars": 50_000}).ingest([source])
    assert report.added == 1 and len(report.rejected) == 1
    assert "abstract is 100,000 characters, over ingest.max_abstract_chars (50,000)" in str(report.rejected[0])
    assert str(report.rejected[0]).startswith("big.jsonl:2: ")
    assert report.chunks_written == 1  # the rejected one was never chunked or embedded


def test_a_folder_with_nothing_to_read_is_a_user_error(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "paper.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(UserError, match=r"no files to ingest in .*skipped 1 file\(s\) of types rag does not read \(\.pdf 1\)"):
        Assistant(data_dir=tmp_path / "d").ingest([tmp_path / "in"])
