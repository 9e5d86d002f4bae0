"""Wiring: parts are built once, on first use, and any part can be handed in."""

import pytest

from rag import Assistant, Components, load_settings
from rag.storage.catalog import CatalogPaper, PaperCatalog
from rag.types import PaperMeta


def test_parts_are_lazy_and_built_once(tmp_path):
    parts = Components(load_settings(overrides={"data_dir": tmp_path}))
    assert not (tmp_path / "catalog.sqlite").exists()
    assert parts.catalog is parts.catalog and (tmp_path / "catalog.sqlite").exists()
    assert not parts.embedder.loaded, "naming the model must not load it"


def test_an_injected_part_is_used(tmp_path):
    catalog = PaperCatalog(tmp_path / "elsewhere.sqlite")
    catalog.upsert([CatalogPaper("p", "t", "T", "An abstract.", PaperMeta(sources=["s.txt"], n_chunks=1))])
    assistant = Assistant(components=Components(load_settings(overrides={"data_dir": tmp_path / "d"}), catalog=catalog))
    stats = assistant.stats()
    assert (stats.papers, stats.sources) == (1, ["s.txt"])
    assert assistant.paper("p").title == "T" and assistant.paper("nope") is None


def test_unknown_parts_are_refused(tmp_path):
    with pytest.raises(TypeError, match="unknown part 'retreiver'"):
        Components(load_settings(overrides={"data_dir": tmp_path}), retreiver=object())
