"""Ingest while serving: `rag serve` up, `rag ingest` from a second process, the new paper answered.

Real processes throughout: the server's embedded Chroma client, BM25 index and catalog must
move to the new state together (rag.storage.state) or keep answering from the old one.
"""

from __future__ import annotations

import json
import shutil
import threading
import time

import pytest
from support.serving import RagServe, rag_command

NEW_PAPER = {
    "title": "Zorbification of Quasiparticle Lattices for Cold-Atom Simulators",
    "abstract": "We introduce zorbification, a lattice transformation for cold-atom quantum simulators. "
                "Zorbification shortens the preparation of quasiparticle lattices by 4.2x while keeping fidelity above 0.99.",
    "authors": ["Ada Quill"], "year": 2025, "url": "https://example.org/zorb",
}
QUESTION = "What does zorbification do to quasiparticle lattices?"


@pytest.fixture()
def served_copy(sample_data_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    with RagServe(data_dir) as server:
        yield server


def _ask(url: str) -> str:
    from gradio_client import Client

    return Client(url, verbose=False).predict(QUESTION, [], None, None, api_name="/chat")


@pytest.mark.slow
def test_a_paper_ingested_by_another_process_is_answered_without_restart(served_copy, tmp_path):
    server = served_copy
    before = _ask(server.url)
    assert not before.startswith("error:"), before
    assert NEW_PAPER["title"] not in before

    source = tmp_path / "new.jsonl"
    source.write_text(json.dumps(NEW_PAPER) + "\n")
    answers: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:  # questions during the other process's ingest must not fail either
        while not stop.is_set():
            answers.append(_ask(server.url))

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        ingest = rag_command("ingest", str(source), "--data-dir", str(server.data_dir), "--quiet")
        assert ingest.returncode == 0, ingest.stderr
        assert "1 added" in ingest.stdout
        deadline, after = time.monotonic() + 20, ""
        while time.monotonic() < deadline:
            after = _ask(server.url)
            if NEW_PAPER["title"] in after:
                break
            time.sleep(0.5)
    finally:
        stop.set()
        asker.join(timeout=120)
    assert NEW_PAPER["title"] in after, after  # cited, with its title in the reference list
    assert "[1]" in after and "4.2x" in after
    errors = [a for a in answers + [after] if a.startswith("error:")]
    assert not errors, errors[:2]
    assert "Error finding id" not in server.log() and "Traceback" not in server.log()
