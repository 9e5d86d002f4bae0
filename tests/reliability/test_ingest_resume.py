"""Crash safety: `kill -9` in the middle of an ingest, re-run, and the store equals a clean run's.

Real subprocess, real SIGKILL, real model and Chroma. The input is 24 papers of the
sample pages re-written as JSONL, ingested in batches of 3 so the kill lands between batches
(eight batches; it had 120 papers in batches of 16, then 60 in batches of 8: the size meant nothing,
and the three ingests, all embedding, were still the suite's costliest test on 2 cores, 59 s).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from rag import Assistant
from rag.ingest.identity import normalize_title
from rag.ingest.parsers import parse_file
from rag.types import PaperRecord
from support import ROOT, SAMPLE_DIR

N_PAPERS, BATCH = 24, 3
pytestmark = pytest.mark.slow  # three ingests of 24 papers (one killed); about 15 s on a quiet machine


@pytest.fixture(scope="module")
def papers_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("resume-input") / "papers.jsonl"
    seen: set[str] = set()
    with path.open("w", encoding="utf-8") as handle:
        for page in sorted(SAMPLE_DIR.iterdir()):
            for record in parse_file(page):
                # Distinct by normalised title, as ingest dedupes, so every line is one paper.
                if isinstance(record, PaperRecord) and normalize_title(record.title) not in seen and len(seen) < N_PAPERS:
                    seen.add(normalize_title(record.title))
                    handle.write(json.dumps({"title": record.title, "abstract": record.abstract, "authors": record.authors}) + "\n")
    assert len(seen) == N_PAPERS
    return path


def _committed(data_dir) -> int:
    if not (data_dir / "catalog.sqlite").exists():
        return 0
    db = sqlite3.connect(data_dir / "catalog.sqlite", timeout=5)
    try:
        return db.execute("SELECT count(*) FROM papers").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the schema is not created yet
    finally:
        db.close()


def _snapshot(assistant: Assistant) -> dict:
    got = assistant.components.store.get(include=["documents", "metadatas", "embeddings"])
    order = np.argsort(got["ids"])
    catalog = {p.paper_id: (p.title, p.abstract, p.content_hash, p.meta.n_chunks) for p in assistant.components.catalog.iter_papers()}
    return {
        "ids": [got["ids"][i] for i in order],
        "documents": [got["documents"][i] for i in order],
        "metadatas": [got["metadatas"][i] for i in order],
        "vectors": np.asarray(got["embeddings"])[order],
        "catalog": catalog,
    }


def _kill_mid_ingest(papers_file, data_dir) -> int:
    env = {**os.environ, "RAG__INGEST__BATCH_PAPERS": str(BATCH), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(papers_file), "--data-dir", str(data_dir), "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while _committed(data_dir) < 2 * BATCH:
        assert proc.poll() is None, "ingest ended before it could be killed"
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return _committed(data_dir)


def test_kill_9_then_rerun_equals_a_clean_run(papers_file, tmp_path):
    committed = _kill_mid_ingest(papers_file, tmp_path / "crashed")
    assert 2 * BATCH <= committed < N_PAPERS, "the kill must land mid-ingest for this test to mean anything"

    resumed = Assistant(data_dir=tmp_path / "crashed", ingest={"batch_papers": BATCH})
    report = resumed.ingest([papers_file])
    clean = Assistant(data_dir=tmp_path / "clean", ingest={"batch_papers": BATCH})
    clean_report = clean.ingest([papers_file])

    # Finished batches are not embedded again: only the papers not yet committed are.
    assert report.unchanged == committed and report.added == N_PAPERS - committed
    done_chunks = sum(n for *_, n in _snapshot(resumed)["catalog"].values())
    assert report.chunks_written < clean_report.chunks_written == done_chunks

    got, want = _snapshot(resumed), _snapshot(clean)
    assert got["ids"] == want["ids"] and got["documents"] == want["documents"]
    assert got["metadatas"] == want["metadatas"] and got["catalog"] == want["catalog"]
    assert np.allclose(got["vectors"], want["vectors"], atol=1e-5)
    # No orphans: every stored chunk belongs to a catalog paper and vice versa.
    expected_ids = sorted(f"{pid}#{i}" for pid, (*_, n) in got["catalog"].items() for i in range(n))
    assert got["ids"] == expected_ids and len(got["catalog"]) == N_PAPERS
