"""Filters: validated, resolved against a real catalog into a Chroma `where` and a BM25 id set."""

import pytest

from rag.errors import UserError
from rag.retrieval.filters import FilterResolver, parse_filters
from rag.settings import RetrievalFilters
from rag.storage.catalog import CatalogPaper, PaperCatalog
from rag.types import PaperMeta


@pytest.fixture()
def resolver(tmp_path):
    catalog = PaperCatalog(tmp_path / "c.sqlite")
    catalog.upsert([
        CatalogPaper("a", "a", "A", "x", PaperMeta(authors=["Ken Lee"], year=2023, categories=["cs.LG"], sources=["dir/x.jsonl"])),
        CatalogPaper("b", "b", "B", "y", PaperMeta(authors=["Bo Li"], year=2025, categories=["cs.CL"], sources=["y.txt"])),
    ])
    return FilterResolver(catalog)


def test_parse_filters_validates_and_layers_defaults():
    assert parse_filters({"category": "cs.CL"}, RetrievalFilters(year_from=2024)).model_dump(exclude_none=True) == {"year_from": 2024, "category": "cs.CL"}
    with pytest.raises(UserError, match="unknown filter field 'yaer'"):
        parse_filters({"yaer": 2024})
    with pytest.raises(UserError, match="invalid filter 'year_from'"):
        parse_filters({"year_from": "soon"})


def test_no_filter_means_no_plan(resolver):
    plan = resolver.resolve(RetrievalFilters())
    assert plan.where is None and plan.paper_ids is None


def test_year_and_category_become_a_where_and_an_id_set(resolver):
    plan = resolver.resolve(RetrievalFilters(year_from=2024, category="cs.CL"))
    assert plan.where == {"$and": [{"year": {"$gte": 2024}}, {"categories": {"$contains": "cs.CL"}}]}
    assert plan.paper_ids == {"b"}


def test_author_and_ids_reach_chroma_as_ids(resolver):
    plan = resolver.resolve(RetrievalFilters(author="lee"))
    assert plan.where == {"paper_id": {"$in": ["a"]}} and plan.paper_ids == {"a"}
    assert resolver.resolve(RetrievalFilters(paper_ids=["a", "b", "zz"])).paper_ids == {"a", "b"}


def test_source_by_file_name(resolver):
    plan = resolver.resolve(RetrievalFilters(source="x.jsonl"))
    assert plan.where == {"sources": {"$contains": "dir/x.jsonl"}} and plan.paper_ids == {"a"}
    with pytest.raises(UserError, match="no ingested source is called 'nope.csv'"):
        resolver.resolve(RetrievalFilters(source="nope.csv"))


def test_impossible_filters_are_one_line(resolver):
    with pytest.raises(UserError, match=r"no paper matches the filters \(year_from=2030\)"):
        resolver.resolve(RetrievalFilters(year_from=2030))
