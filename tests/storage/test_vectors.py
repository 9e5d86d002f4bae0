"""Chroma server mode over HTTP, against a real `chroma run` on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rag import Assistant
from rag.errors import StoreUnavailable
from support import SAMPLE_DIR, free_port, stop_process

CHROMA = Path(sys.executable).parent / "chroma"


def _wait_until_up(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("chroma server did not come up")


@pytest.fixture()
def chroma_server(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server-db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(port, proc)
        yield port
    finally:
        stop_process(proc)


def test_server_mode_ingests_and_retrieves(chroma_server, tmp_path, monkeypatch):
    sample = tmp_path / "two-pages"
    sample.mkdir()
    for name in ("000_6df2382d1ccda13c.txt", "003_580eed598ce0b10e.txt"):
        shutil.copy(SAMPLE_DIR / name, sample / name)
    # With the vectors the sample ships (checked against the model in tests/ingest/test_prebuilt.py): what is
    # tested here is Chroma over HTTP, and embedding 97 papers again would only add 10-15 s.
    shutil.copytree(SAMPLE_DIR / ".vectors", sample / ".vectors")
    monkeypatch.setenv("RAG_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("RAG_CHROMA_PORT", str(chroma_server))
    assistant = Assistant(data_dir=tmp_path / "data")
    report = assistant.ingest([sample])
    assert (report.added, report.merged) == (97, 3)  # 40 + 60 records, three papers on both pages
    assert assistant.components.store.count() == assistant.stats().chunks > 97
    assert "http://127.0.0.1" in assistant.stats().store_location
    hits = assistant.retrieve("restoring faces from degraded photos", top_k=5)
    assert any("Face" in h.title for h in hits)
    # Nothing was written to an embedded store: the data dir has no chroma folder.
    assert not (tmp_path / "data" / "chroma").exists()


def test_unreachable_server_is_a_one_line_error(tmp_path):
    assistant = Assistant(data_dir=tmp_path / "data", chroma={"host": "127.0.0.1", "port": free_port()})
    with pytest.raises(StoreUnavailable, match="cannot reach the Chroma server") as info:
        assistant.components.store  # opening the store is the check
    assert "\n" not in str(info.value)


def test_hnsw_search_breadth_is_set_at_creation_and_updated_on_reopen(tmp_path):
    import chromadb

    first = Assistant(data_dir=tmp_path, chroma={"hnsw_ef_search": 300})
    assert first.components.store.collection.configuration["hnsw"]["ef_search"] == 300
    # Stands in for a new process. Closed, not only dropped from Chroma's cache: a client left open
    # can still hold SQLite's lock when the next one writes ("database is locked", seen once in CI).
    first.components.store.close()
    first.components.store.client.clear_system_cache()
    second = Assistant(data_dir=tmp_path, chroma={"hnsw_ef_search": 900})
    assert second.components.store.collection.configuration["hnsw"]["ef_search"] == 900
    second.components.store.close()
    second.components.store.client.clear_system_cache()
    stored = chromadb.PersistentClient(path=str(tmp_path / "chroma")).get_collection("abstracts").configuration["hnsw"]
    assert stored["ef_search"] == 900 and stored["space"] == "cosine"


def test_a_locked_sqlite_file_is_waited_out_and_other_errors_are_not():
    # Chroma's Rust binding raises at once on SQLite's lock (seen in the suite on a loaded machine, when
    # a just-closed client had not released it). The retry logic alone: a held lock could not be
    # reproduced on demand from outside Chroma's own connection pool.
    from rag.storage.vectors import retry_while_locked

    calls = []

    def locked_twice():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("Database error: error returned from database: (code: 5) database is locked")
        return "written"

    assert retry_while_locked(locked_twice) == "written" and len(calls) == 3
    with pytest.raises(RuntimeError, match="locked"):
        retry_while_locked(lambda: (_ for _ in ()).throw(RuntimeError("database is locked")), patience_s=0.2)
    with pytest.raises(ValueError):
        retry_while_locked(lambda: (_ for _ in ()).throw(ValueError("bad metadata")))
