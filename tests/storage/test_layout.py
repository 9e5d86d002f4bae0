"""Side-file names: one catalog and BM25 index per collection, embedded or on a server."""

from pathlib import Path

from rag.settings import ChromaSettings
from rag.storage.layout import StoreLayout


def test_embedded_layout_uses_plain_names():
    layout = StoreLayout(Path("/d"), ChromaSettings())
    assert (layout.catalog_path, layout.bm25_dir, layout.store_location) == (Path("/d/catalog.sqlite"), Path("/d/bm25"), "/d/chroma")
    assert layout.lock().path == Path("/d/ingest.lock")


def test_server_layout_names_host_port_and_collection_safely():
    layout = StoreLayout(Path("/d"), ChromaSettings(host="db/../x", port=9000, collection="lab papers"))
    assert layout.catalog_path == Path("/d/catalog-db_.._x-9000-lab_papers.sqlite")
    assert layout.bm25_dir.parent == Path("/d")
    assert layout.store_location == "http://db/../x:9000 (collection lab papers)"
