"""Security: prompt injection, XSS in the chat and cards, serving defaults, upload names, leaked secrets.

One small hostile corpus (tests/fixtures/hostile.jsonl) is ingested once per module; a real
`rag serve` runs over it and real Chromium (Playwright, Debian's /usr/bin/chromium) renders it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, smollm_gguf
from support.browser import chromium_page
from support.serving import RagServe
from support.misbehaving_llm import MisbehavingLLM
from rag import Assistant

HOSTILE = ROOT / "tests" / "fixtures" / "hostile.jsonl"
QUESTION = "Which papers remove unwanted concepts from text-to-image diffusion models?"
KEY = "sk-PLANTED-5f0c2d9e41b7a6c3"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}
FAKE_MARKERS = ("[7]", "[42]", "[99]")
XSS_QUESTIONS = [
    "Which method erases a target concept by fine-tuning the cross-attention layers in five minutes?",
    "Which paper suppresses inappropriate concepts such as nudity and violence during sampling without retraining?",
]


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    report = Assistant(data_dir=data_dir).ingest([HOSTILE])
    assert report.added == sum(1 for line in HOSTILE.read_text().splitlines() if line.strip())
    return data_dir


@pytest.fixture(scope="module")
def hostile(hostile_dir) -> Assistant:
    return Assistant(data_dir=hostile_dir)


def _assert_citations_valid(answer) -> None:
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert numbers == {c.number for c in answer.citations}
    assert numbers == set(range(1, len(numbers) + 1))
    source_ids = {h.paper_id for h in answer.sources}
    assert all(c.paper_id in source_ids for c in answer.citations)
    for marker in FAKE_MARKERS:
        assert marker not in answer.text


# -- prompt injection ----------------------------------------------------------------------


def test_extractive_answer_quotes_injected_text_as_data(hostile):
    answer = hostile.ask(QUESTION)
    assert not answer.abstained and answer.citations
    _assert_citations_valid(answer)
    # The planted sources reached the answer (else the test proves nothing) ...
    assert any("Ignore previous instructions" in h.abstract for h in answer.sources[:6])
    # ... yet every answer sentence is a quotation of a retrieved abstract, not an obeyed command.
    abstracts = " ".join(h.abstract for h in answer.sources)
    from rag.text.markers import strip_markers

    for sentence in answer.sentences:
        if not sentence.citations:  # the list's own opening line ("N papers in the collection erase ...:")
            assert re.match(r"^(?:\d+ papers? in the collection|Of the papers above, \d+) ", sentence.text), sentence.text
            continue
        # A list item quotes its paper after the paper's short name: "- Name: <the abstract's sentence> [n]".
        core = re.sub(r"\(\d+\)", "", re.sub(r"^- [^:]*: ", "", strip_markers(sentence.text))).strip(" .")
        assert re.sub(r"\[\d+\]|\(\d+\)", "", core) in re.sub(r"\[\d+\]|\(\d+\)", "", abstracts), sentence.text
    assert answer.text.strip(" .") != "PWNED"


def test_local_llm_answer_keeps_only_real_citations(hostile_dir):
    assistant = Assistant(data_dir=hostile_dir, local_llm={"model_path": smollm_gguf(), "n_ctx": 4096, "max_tokens": 96, "n_threads": 2})
    answer = assistant.ask(QUESTION, backend="local")
    _assert_citations_valid(answer)
    # Whatever the small model wrote, an uncited or fake-cited reply cannot stand as an answer.
    stripped = re.sub(r"\[\d+\]", "", answer.text).strip(" .\n").upper()
    assert stripped != "PWNED"
    assert all("Fake Paper That Does Not Exist" not in c.title for c in answer.citations)
    if answer.backend == "local":
        assert answer.citations, "a model answer must cite real sources or fall back"
    else:
        assert any("local backend failed" in n for n in answer.notices)


def test_prompt_marks_planted_markers_as_data(hostile):
    from rag.answer.prompts import PromptBuilder

    hits = hostile.retrieve(QUESTION, top_k=6)
    messages = PromptBuilder(hostile.settings.answer.prompts_path, hostile.settings.answer.source_chars).messages(QUESTION, hits)
    user = messages[1]["content"]
    # Only the real source labels [1]..[n] may look like citation labels in the prompt.
    labels = {int(n) for n in re.findall(r"\[(\d+)\]", user)}
    assert labels <= set(range(1, len(hits) + 1)), labels
    assert "Ignore previous instructions" in user and "(42)" in user  # the text is still there, as data


# -- serving and XSS -----------------------------------------------------------------------


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (IPv4 and IPv6), read from /proc."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:
                found.add(address)
    return found


@pytest.fixture(scope="module")
def served(hostile_dir, tmp_path_factory):
    """A real `rag serve` (default host) over a copy of the hostile store; the openai backend
    points at a server that echoes the planted API key back in its 401 error body."""
    data_dir = tmp_path_factory.mktemp("served") / "data"
    shutil.copytree(hostile_dir, data_dir)
    with MisbehavingLLM("reject_echo") as llm:
        env = {"OPENAI_API_KEY": KEY, "RAG__OPENAI__BASE_URL": llm.base_url, "RAG__OPENAI__TIMEOUT_S": "5"}
        with RagServe(data_dir, env=env) as server:
            yield {"url": server.url, "port": server.port, "log": server.log_path, "llm": llm}


def test_serve_binds_loopback_by_default(served):
    assert _listening_addresses(served["port"]) == {"0100007F"}  # 127.0.0.1 only


@pytest.mark.slow
def test_hostile_titles_and_abstracts_render_inert_in_chat_and_cards(served, test_output):
    dialogs: list[str] = []
    with chromium_page(served["url"], dialogs) as page:
        title = page.title()
        shown = ""
        # Questions aimed at the two papers carrying payloads, so their text lands in the
        # answer and the source cards whatever sentences the extractive step prefers.
        for i, question in enumerate(XSS_QUESTIONS):
            page.fill("#rag-input textarea", question)
            page.keyboard.press("Enter")
            page.locator("#rag-chat .answer .footer").nth(i).wait_for(timeout=300_000)
            page.wait_for_timeout(1500)  # let any injected handler (onerror, onload) fire
            page.screenshot(path=str(test_output / f"xss_hostile_answer_{i}.png"), full_page=True)
            shown += page.inner_text("body")
            # None of the payloads ran or formed live markup.
            assert page.evaluate("window.__xss") is None
            assert page.title() == title
            assert page.locator("script:has-text('__xss')").count() == 0
            assert page.locator("img[onerror], svg[onload], iframe, [onmouseover]").count() == 0
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]
        # The payloads did reach the page, as visible text (so this test can fail).
        for payload in ("<script>window.__xss", "onerror=", "](javascript:", '<svg onload="window.__xss=1">', "onmouseover"):
            assert payload in shown, payload
    assert dialogs == []


# -- uploads -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../etc/x.jsonl", "/etc/x.jsonl", "..\\..\\x.jsonl", "....//....//x.jsonl", "x.jsonl\x00.sh"])
def test_upload_destination_stays_in_the_data_directory(tmp_path, name):
    from ui.collection import UploadIngester

    class NoModel:  # only the file-name logic runs here; nothing is ingested
        data_dir = tmp_path / "data"

    ingester = UploadIngester(NoModel(), max_upload_mb=1)
    target = ingester.destination(name)
    assert target.resolve().parent == (tmp_path / "data" / "uploads").resolve()
    assert "\x00" not in target.name


def test_upload_with_traversal_path_is_stored_inside_uploads(hostile_dir, tmp_path):
    from ui.collection import UploadIngester

    data_dir = tmp_path / "data"
    shutil.copytree(hostile_dir, data_dir)
    (tmp_path / "etc").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)  # so the kernel can resolve the "../.." in the path
    source = tmp_path / "etc" / "x.jsonl"
    source.write_text(json.dumps({"title": "An Uploaded Paper About Path Traversal", "abstract": "Words about uploads. " * 5}) + "\n")
    before = sorted(p for p in tmp_path.rglob("*") if "data" not in p.parts)
    result = UploadIngester(Assistant(data_dir=data_dir), max_upload_mb=1).ingest([f"{tmp_path}/a/b/../../etc/x.jsonl"])
    assert result.report.added == 1
    assert [p.resolve().parent for p in result.stored] == [(data_dir / "uploads").resolve()]
    assert sorted(p for p in tmp_path.rglob("*") if "data" not in p.parts) == before  # nothing written outside


# -- secrets -------------------------------------------------------------------------------


def test_api_key_never_appears_in_answers_notices_or_logs(hostile_dir, caplog):
    with MisbehavingLLM("reject_echo") as llm:
        os.environ["OPENAI_API_KEY"] = KEY
        try:
            caplog.set_level(logging.DEBUG)
            assistant = Assistant(data_dir=hostile_dir, openai={"base_url": llm.base_url, "timeout_s": 5})
            answer = assistant.ask(QUESTION, backend="openai")
        finally:
            os.environ.pop("OPENAI_API_KEY", None)
        assert llm.requests and KEY in llm.requests[0]["auth"]  # the key was really sent, and echoed back
    assert answer.backend == "extractive" and any("401" in n for n in answer.notices)
    assert KEY not in json.dumps(answer.to_dict(), default=str)
    assert KEY not in caplog.text and "PLANTED" not in caplog.text


@pytest.mark.slow
def test_api_key_never_appears_in_cli_output(hostile_dir, tmp_path):
    out = tmp_path / "eval-out"
    with MisbehavingLLM("reject_echo") as llm:
        env = {**ENV, "OPENAI_API_KEY": KEY, "RAG__OPENAI__BASE_URL": llm.base_url, "RAG__OPENAI__TIMEOUT_S": "5"}
        ask = subprocess.run(
            [sys.executable, "-m", "rag.cli", "ask", QUESTION, "--backend", "openai", "--json", "--data-dir", str(hostile_dir)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )
        assert ask.returncode == 0 and llm.requests, ask.stderr[-2000:]
        assert "401" in ask.stdout and KEY not in ask.stdout + ask.stderr
        llm.requests.clear()
        # Questions the hostile corpus answers: an abstaining question never reaches the model.
        questions = tmp_path / "questions.jsonl"
        questions.write_text(json.dumps({"id": "q1", "type": "topic", "question": QUESTION, "gold_titles": [], "answer_keywords": []}) + "\n")
        result = subprocess.run(
            [sys.executable, "-m", "rag.cli", "eval", str(questions),
             "--backend", "openai", "--out", str(out), "--data-dir", str(hostile_dir), "--quiet"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )
        assert llm.requests, result.stderr[-2000:]
    assert KEY not in result.stdout + result.stderr
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path


def test_api_key_never_appears_in_the_ui_or_server_log(served):
    from gradio_client import Client

    text = Client(served["url"], verbose=False).predict(QUESTION, [], "openai", 5, api_name="/chat")
    assert served["llm"].requests, "the openai backend was never called"
    assert "401" in text  # the failure is shown ...
    assert KEY not in text and "PLANTED" not in text  # ... without the key
    assert KEY not in served["log"].read_text()
