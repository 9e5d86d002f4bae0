"""The SQLite catalog: round trips, title lookup, and the filter query that retrieval relies on."""

from pathlib import Path

import pytest

from rag.errors import UserError
from rag.storage.catalog import CatalogPaper, PaperCatalog
from rag.types import PaperMeta


def _paper(pid, title, **meta) -> CatalogPaper:
    return CatalogPaper(pid, title.lower(), title, f"About {title}.", PaperMeta(**meta), content_hash=f"h-{pid}")


@pytest.fixture()
def catalog(tmp_path: Path) -> PaperCatalog:
    catalog = PaperCatalog(tmp_path / "catalog.sqlite")
    catalog.upsert([
        _paper("a", "Graph Nets", authors=["Ada Lovelace", "Ken Lee"], year=2023, categories=["cs.LG"], sources=["x.jsonl"], n_chunks=2),
        _paper("b", "Vision Nets", authors=["Bo Li"], year=2025, categories=["cs.CV", "cs.LG"], sources=["y.txt"], n_chunks=1),
        _paper("c", "Speech Nets", authors=["Cy Young"], year=None, categories=["cs.LGX"], sources=["x.jsonl", "z.bib"], n_chunks=3),
    ])
    return catalog


def test_round_trip_and_lookup(catalog):
    got = catalog.get("a")
    assert got == _paper("a", "Graph Nets", authors=["Ada Lovelace", "Ken Lee"], year=2023, categories=["cs.LG"], sources=["x.jsonl"], n_chunks=2)
    assert catalog.id_for_title("vision nets") == "b" and catalog.id_for_title("nope") is None
    assert set(catalog.get_many(["a", "c", "zz"])) == {"a", "c"}
    assert [p.paper_id for p in catalog.iter_papers()] == ["a", "b", "c"]


def test_stats_and_sources(catalog):
    assert catalog.stats() == {"papers": 3, "chunks": 6, "sources": ["x.jsonl", "y.txt", "z.bib"]}


@pytest.mark.parametrize("conditions, expected", [
    ({}, {"a", "b", "c"}),
    ({"year_from": 2024}, {"b"}),
    ({"year_to": 2024}, {"a"}),                    # a paper with no year matches no year bound
    ({"category": "cs.LG"}, {"a", "b"}),           # exact category, not a prefix of cs.LGX
    ({"author": "lee"}, {"a"}),                    # case-insensitive substring
    ({"sources": ["z.bib", "y.txt"]}, {"b", "c"}),
    ({"category": "cs.LG", "year_from": 2024}, {"b"}),
])
def test_papers_matching(catalog, conditions, expected):
    assert catalog.papers_matching(**conditions) == expected


def test_empty_catalog_refuses_questions(tmp_path):
    empty = PaperCatalog(tmp_path / "empty.sqlite")
    assert empty.is_empty()
    with pytest.raises(UserError, match="the collection is empty"):
        empty.require_papers()


def test_ids_named_finds_a_title_name_as_written_and_nothing_that_merely_starts_alike(tmp_path):
    catalog = PaperCatalog(tmp_path / "catalog.sqlite")
    catalog.upsert([_paper("z", "ZeRO: Memory Optimizations"), _paper("zz", "ZeRO++: Extremely Efficient Communication"),
                    _paper("t", "Zero-TPrune: Token Pruning"), _paper("s", "Zero-shot Learning: A Survey")])
    assert catalog.ids_named("ZeRO") == ["z"]
    assert catalog.ids_named("ZeRO++") == ["zz"]
    assert catalog.ids_named("zero") == [] and catalog.ids_named("Zorblax") == []
