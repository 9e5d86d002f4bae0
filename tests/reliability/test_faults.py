"""Faults: two writers, a Chroma server restart, bad model servers, ingest while reading.

Everything is real (rag CLI subprocesses, Chroma, the embedding model) except the model
server, which is a tiny local HTTP server that misbehaves on purpose (tests/support/misbehaving_llm.py):
no real server can be made slow or malformed on demand.
"""

from __future__ import annotations

import gzip
import itertools
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from support import ROOT, SAMPLE_DIR, free_port
from support.misbehaving_llm import MisbehavingLLM
from rag import Assistant
from rag.errors import StoreUnavailable

ARXIV_DUMP = Path("/work/shared/data/arxiv-cs-2025.jsonl.gz")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}
QUESTION = "Which papers remove unwanted concepts from text-to-image diffusion models?"
# Citation checks on a model's reply are tested on a fact question: a list answer also gets the
# papers the model left out appended (tested on its own below), which would muddle what is checked.
FACT = "What speedup does Medusa report with a frozen backbone?"


def arxiv_head(path: Path, n: int, skip: int = 0) -> Path:
    """The dump's lines skip..skip+n as a small JSONL file (the dump itself is never copied)."""
    with gzip.open(ARXIV_DUMP, "rt", encoding="utf-8") as src, path.open("w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, skip, skip + n))
    return path


def rag_ingest(data_dir: Path, source: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", "--quiet", "--data-dir", str(data_dir), str(source)],
        cwd=ROOT, env={**ENV, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# -- ingest crash: covered by tests/test_ingest_resume.py::test_kill_9_then_rerun_equals_a_clean_run
# (the scale work's test: real SIGKILL mid-ingest, re-run, same ids, documents, vectors, no orphans).


# -- two writers -----------------------------------------------------------------------


@pytest.mark.slow
def test_second_writer_waits_or_exits_with_one_line_and_counts_stay_right(tmp_path):
    # 60 papers in batches of 10 keep the first writer busy for several seconds after it takes the lock
    # (the model loads after the lock), while the impatient second one gives up within about 2 s; the
    # assertion on first.poll() below says so if the first one ever finishes too soon.
    first_file = arxiv_head(tmp_path / "first.jsonl", 60)
    second_file = arxiv_head(tmp_path / "second.jsonl", 10, skip=60)
    data_dir = tmp_path / "data"
    first = rag_ingest(data_dir, first_file, RAG__INGEST__BATCH_PAPERS="10")
    lock = data_dir / "ingest.lock"
    wait_for(lambda: lock.exists() and lock.read_text().strip() == str(first.pid), 300, "the first ingest to hold the lock")

    impatient = rag_ingest(data_dir, second_file, RAG__INGEST__LOCK_TIMEOUT_S="0")
    _, err = impatient.communicate(timeout=300)
    assert first.poll() is None, "the first ingest ended too early for this test to mean anything"
    assert impatient.returncode == 2
    assert err.strip().count("\n") == 0 and "another ingest is writing" in err and "lock_timeout_s" in err

    patient = rag_ingest(data_dir, second_file, RAG__INGEST__LOCK_TIMEOUT_S="900")
    assert first.wait(timeout=900) == 0, first.stderr.read()
    assert patient.wait(timeout=900) == 0, patient.stderr.read()
    assert "10 added" in patient.stdout.read()

    stats = Assistant(data_dir=data_dir).stats()
    assert stats.papers == 70
    assert Assistant(data_dir=data_dir).components.store.count() == stats.chunks


# -- Chroma server restart ---------------------------------------------------------------


def _start_chroma(path: Path, port: int) -> subprocess.Popen:
    import urllib.request

    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def up() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return True
        except OSError:
            return False

    wait_for(up, 120, "chroma run to come up")
    return proc


def test_chroma_server_restart_fails_cleanly_then_recovers_without_a_new_assistant(tmp_path):
    port = free_port()
    server = _start_chroma(tmp_path / "server-db", port)
    try:
        page = tmp_path / "page"
        page.mkdir()
        shutil.copy(SAMPLE_DIR / "000_6df2382d1ccda13c.txt", page)
        assistant = Assistant(data_dir=tmp_path / "data", chroma={"host": "127.0.0.1", "port": port})
        assistant.ingest([page])
        before = [h.paper_id for h in assistant.retrieve(QUESTION, top_k=5)]
        assert before

        server.terminate()
        server.wait(timeout=30)
        for _ in range(2):  # every query while it is down fails the same clean way
            with pytest.raises(StoreUnavailable) as info:
                assistant.retrieve(QUESTION, top_k=5)
            assert "\n" not in str(info.value) and "chroma run" in str(info.value)

        server = _start_chroma(tmp_path / "server-db", port)
        after = [h.paper_id for h in assistant.retrieve(QUESTION, top_k=5)]  # the same Assistant object
        assert after == before
    finally:
        server.terminate()
        server.wait(timeout=30)


# -- model server faults ---------------------------------------------------------------


@pytest.fixture(scope="module")
def openai_assistant(sample_data_dir):
    def make(base_url: str, timeout_s: float = 3.0) -> Assistant:
        return Assistant(data_dir=sample_data_dir, openai={"base_url": base_url, "timeout_s": timeout_s, "model": "fake"})

    return make


def _assert_extractive_fallback(answer, reason: str) -> None:
    assert answer.backend == "extractive"
    assert answer.citations and answer.text
    assert any("openai backend failed" in n and reason in n for n in answer.notices), answer.notices
    assert all("\n" not in n for n in answer.notices)


def test_unreachable_model_server_falls_back_with_a_notice(openai_assistant):
    answer = openai_assistant(f"http://127.0.0.1:{free_port()}/v1").ask(QUESTION, backend="openai")
    _assert_extractive_fallback(answer, "cannot reach")


def test_slow_model_server_falls_back_within_the_timeout(openai_assistant, sample_assistant):
    sample_assistant.ask(QUESTION)  # warm the shared parts so the timing below is the model's
    with MisbehavingLLM("slow", delay_s=40) as server:
        started = time.monotonic()
        answer = openai_assistant(server.base_url, timeout_s=2).ask(QUESTION, backend="openai")
        elapsed = time.monotonic() - started
    _assert_extractive_fallback(answer, "did not answer within 2 s")
    # The server would take 40 s; the answer comes after the 2 s timeout plus the extractive step.
    assert elapsed < 25, elapsed


def test_malformed_model_output_falls_back_with_a_notice(openai_assistant):
    with MisbehavingLLM("malformed") as server:
        answer = openai_assistant(server.base_url).ask(QUESTION, backend="openai")
    assert server.requests, "the model server was never asked"
    assert answer.backend == "extractive" and answer.citations
    assert any("openai backend failed" in n for n in answer.notices), answer.notices


def test_invented_citations_are_removed_and_flagged(openai_assistant, sample_assistant):
    top = sample_assistant.retrieve(FACT, top_k=6)[0]
    reply = f"{top.title} is about this topic [1]. Another result is well known [7]. A survey agrees [99][1]."
    with MisbehavingLLM("reply", reply=reply) as server:
        answer = openai_assistant(server.base_url).ask(FACT, backend="openai")
    assert answer.backend == "openai"
    assert sorted(answer.removed_citations) == ["[7]", "[99]"]
    assert answer.invalid_citations_before_validation == 2
    assert "[7]" not in answer.text and "[99]" not in answer.text
    assert [c.number for c in answer.citations] == [1]


def test_an_uncited_reply_gets_attributed_citations_and_says_so(openai_assistant, sample_assistant):
    from rag.text.sentences import split_sentences

    top = sample_assistant.retrieve(FACT, top_k=6)[0]
    claim = split_sentences(top.abstract)[-1]
    reply = f"{claim} The weather in Lisbon is usually mild in spring."
    with MisbehavingLLM("reply", reply=reply) as server:
        answer = openai_assistant(server.base_url).ask(FACT, backend="openai")
    assert answer.backend == "openai"
    assert [c.paper_id for c in answer.citations] == [top.paper_id]
    assert any("attributed" in n for n in answer.notices), answer.notices
    # The sentence no source states gets no marker: nothing is cited that no source says.
    assert answer.sentences[0].citations == [1] and answer.sentences[0].supported
    assert answer.sentences[1].citations == [] and "Lisbon" in answer.sentences[1].text


def test_a_list_answer_gets_the_papers_the_model_left_out(openai_assistant, sample_assistant):
    planned = sample_assistant.ask(QUESTION)  # the extractive list: the papers the cut chose
    first = planned.citations[0]
    reply = f"1 paper addresses this:\n- {first.title}: it removes concepts [1]."
    with MisbehavingLLM("reply", reply=reply) as server:
        answer = openai_assistant(server.base_url).ask(QUESTION, backend="openai")
    assert answer.backend == "openai" and answer.citations[0].paper_id == first.paper_id
    assert {c.paper_id for c in answer.citations} == {c.paper_id for c in planned.citations}
    assert any("left out" in n for n in answer.notices), answer.notices
    assert answer.text.count("\n- ") == len(planned.citations) - 1 + 1  # the model's item, then one per added paper


def test_an_uncited_reply_no_source_supports_falls_back_to_extractive(openai_assistant):
    with MisbehavingLLM("reply", reply="The weather in Lisbon is usually mild in spring.") as server:
        answer = openai_assistant(server.base_url).ask(QUESTION, backend="openai")
    assert answer.backend == "extractive" and answer.citations
    assert any("cited none of the sources" in n for n in answer.notices), answer.notices


# -- ingest while reading ------------------------------------------------------------------


@pytest.mark.slow
def test_ingest_while_several_threads_ask(sample_data_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir)
    source = arxiv_head(tmp_path / "more.jsonl", 30)
    # Batches of 10: the readers see three commits swap the stores under them (one batch of 200 never
    # caught the BM25 index growing under a search; three batches of 20 did, and three of 10 embed half as much).
    assistant = Assistant(data_dir=data_dir, ingest={"batch_papers": 10})
    assistant.ask(QUESTION)  # load the model once before the threads start
    errors: list[BaseException] = []
    answered = [0]
    done = threading.Event()

    def reader() -> None:
        deadline = time.monotonic() + 900  # bounded even if ingest hangs
        while not done.is_set() and time.monotonic() < deadline:
            try:
                answer = assistant.ask(QUESTION)
                assert answer.citations and answer.text
                answered[0] += 1
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        report = assistant.ingest([source])
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=300)
    assert not errors, errors
    assert answered[0] >= 3
    assert report.added == 30
    assert assistant.stats().papers == 363 + 30
    assert assistant.components.store.count() == assistant.stats().chunks
