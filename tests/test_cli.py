"""The `rag` command line as a user runs it: real subprocesses, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from support import FIXTURES

RAG = [sys.executable, "-m", "rag.cli"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*RAG, *args], capture_output=True, text=True, env=full_env, timeout=300)


def test_stats_and_retrieve_json(sample_data_dir):
    out = run("stats", "--json", "--data-dir", str(sample_data_dir))
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["papers"] == 363 and stats["embedding_model"].endswith("all-MiniLM-L6-v2")
    out = run("retrieve", "speeding up LLM decoding with extra heads", "--top-k", "3", "--json", "--data-dir", str(sample_data_dir))
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 3 and {"paper_id", "title", "score", "abstract", "metadata"} <= set(hits[0])
    assert any("Medusa" in h["title"] for h in hits)


def _assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], proc.stderr


def test_missing_path(tmp_path):
    _assert_one_line_error(run("ingest", str(tmp_path / "missing.jsonl"), "--data-dir", str(tmp_path / "d")), "not found")


def test_empty_collection(tmp_path):
    _assert_one_line_error(run("retrieve", "anything", "--data-dir", str(tmp_path / "d")), "rag ingest PATH")


def test_empty_question(sample_data_dir):
    _assert_one_line_error(run("retrieve", "   ", "--data-dir", str(sample_data_dir)), "empty")


def test_unreachable_chroma_server(tmp_path):
    from support import free_port

    proc = run("stats", "--data-dir", str(tmp_path / "d"), env={"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(free_port())})
    # stats reads the catalog only; retrieve must touch the server and fail clearly.
    assert proc.returncode == 0
    proc = run("ingest", str(FIXTURES), "--data-dir", str(tmp_path / "d"),
               env={"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(free_port())})
    _assert_one_line_error(proc, "Chroma server")


def test_ingest_of_only_bad_files_fails_with_reasons(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{broken\n")
    proc = run("ingest", str(bad), "--data-dir", str(tmp_path / "d"), "--quiet")
    assert proc.returncode == 1
    assert "bad.jsonl:1" in proc.stderr and "Traceback" not in proc.stderr
    assert "0 added" in proc.stdout


def test_unknown_config_key(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("answer:\n  bakend: local\n")
    _assert_one_line_error(run("stats", "--config", str(cfg), "--data-dir", str(tmp_path / "d")), "answer.bakend")
