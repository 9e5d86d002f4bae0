"""The `rag` command line as a user runs it: real subprocesses, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

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


# -- round 2 of the reliability probe: each case ends in one line and a non-zero exit ----------


def test_data_dir_that_cannot_be_used(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    _assert_one_line_error(run("stats", "--data-dir", str(a_file)), "is a file, not a folder")
    _assert_one_line_error(run("stats", "--data-dir", str(a_file / "below")), "cannot create the data dir")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root writes anywhere, so the permission case only means something for other users
        _assert_one_line_error(run("stats", "--data-dir", str(locked / "d")), "cannot create the data dir")


def test_out_of_range_numbers_are_usage_errors(tmp_path):
    _assert_one_line_error(run("serve", "--port", "99999", "--data-dir", str(tmp_path)), "--port must be from 1 to 65535")
    _assert_one_line_error(run("retrieve", "q", "--top-k", "-5", "--data-dir", str(tmp_path)), "--top-k must be from 1 to 200")
    _assert_one_line_error(run("ask", "q", "--top-k", "many", "--data-dir", str(tmp_path)), "whole number")


def test_negative_top_k_from_python_is_an_error_not_an_abstention(sample_assistant):
    import pytest

    from rag import UserError

    for bad in (-5, 0, 1000, 2.5):
        with pytest.raises(UserError, match="top_k must be a whole number from 1 to 200"):
            sample_assistant.ask("What does Medusa add to an LLM?", top_k=bad)
        with pytest.raises(UserError, match="top_k"):
            sample_assistant.retrieve("Medusa decoding heads", top_k=bad)


def test_broken_pipe_is_one_line(sample_data_dir):
    # `rag stats | head -2` where head has already left: a pipe whose reader is gone, so the
    # first write fails for certain (Python ignores SIGPIPE, so it is a BrokenPipeError).
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc = subprocess.run([*RAG, "stats", "--data-dir", str(sample_data_dir)], stdout=write_end,
                          stderr=subprocess.PIPE, text=True, timeout=300, env=os.environ.copy())
    os.close(write_end)
    _assert_one_line_error(proc, "output pipe closed")


def test_version_and_flags_before_the_subcommand(sample_data_dir):
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("rag 0.")
    before = run("--data-dir", str(sample_data_dir), "stats", "--json")
    after = run("stats", "--json", "--data-dir", str(sample_data_dir))
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout) and json.loads(before.stdout)["papers"] == 363


@pytest.mark.slow
def test_folder_ingest_names_what_it_skipped_and_empty_folders_fail(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("paper.pdf", "notes.md", "dump.xml"):
        (folder / name).write_text("<x>not papers</x>")
    proc = run("ingest", str(folder), "--data-dir", str(tmp_path / "d"))
    _assert_one_line_error(proc, "no files to ingest", "skipped 3 file(s)", ".pdf 1", ".xml 1", ".md 1")
    (folder / "ok.jsonl").write_text(json.dumps({"title": "A Test Paper About Lattices", "abstract": "We study lattices. " * 5}) + "\n")
    proc = run("ingest", str(folder), "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 0, proc.stderr
    assert "1 added" in proc.stdout
    assert "note: skipped 3 file(s) of types rag does not read" in proc.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    _assert_one_line_error(run("ingest", str(empty), "--data-dir", str(tmp_path / "d")), "no files to ingest")


def test_pdf_or_xml_named_directly_is_called_unsupported(tmp_path):
    for name, kind in (("paper.pdf", "PDF"), ("dump.xml", "XML")):
        path = tmp_path / name
        path.write_text("<article><title>T</title></article>")
        proc = run("ingest", str(path), "--data-dir", str(tmp_path / "d"))
        assert proc.returncode == 1
        assert f"{kind} files are not supported" in proc.stderr and "no abstract" not in proc.stderr


def test_auth_on_the_command_line_warns(tmp_path):
    # A malformed value, so it exits at once; the warning comes first.
    proc = run("serve", "--auth", "no-colon", "--data-dir", str(tmp_path))
    assert "warning: --auth on the command line is visible to other users" in proc.stderr
    _assert_one_line_error(proc, "USER:PASSWORD")
