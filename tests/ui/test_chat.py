"""Chat handlers in-process over the real sample store: streaming, history, filters, friendly errors."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from rag import Answer, Assistant, Citation, UserError
from rag.types import QuestionPlan
from ui.chat import ChatOptions, history_messages, turn_record
from ui.handlers import Handlers

QUESTION = "Which papers remove unwanted concepts from text-to-image diffusion models?"


def _last(generator):
    out = None
    for out in generator:
        pass
    return out


def test_filters_are_cleaned_and_checked():
    assert ChatOptions(year_from=2023.0, category=" cs.CV ", author="").filters() == {"year_from": 2023, "category": "cs.CV"}
    assert ChatOptions().filters() is None
    with pytest.raises(UserError, match="put the earlier year"):
        ChatOptions(year_from=2025, year_to=2020).filters()


def test_history_is_openai_style_text_with_the_cited_papers():
    answer = Answer(question="q1", text="a1 [1]", citations=[Citation(1, "p1", "T", None)], plan=QuestionPlan("q1", within=["p0", "p1"]))
    turns = [turn_record("q1", answer, 10.0, 1), {"question": "q2", "answer": ""}]
    assert history_messages(turns) == [
        {"role": "user", "content": "q1"},
        # The ids ride along so "which of them" can search within them; clients that ignore them see plain messages.
        {"role": "assistant", "content": "a1 [1]", "paper_ids": ["p1"], "scope_ids": ["p0", "p1"], "source_ids": []},
        {"role": "user", "content": "q2"},
    ]


def test_respond_streams_then_renders_cards_and_passes_history(sample_assistant):
    handlers = Handlers(sample_assistant)
    # Snapshot each yield: Gradio sends it at once, while the handler keeps editing the same list.
    steps = [copy.deepcopy(step) for step in handlers.respond(QUESTION, [], [], "extractive", 5)]
    assert 'class="answer streaming"' in steps[0][0][-1]["content"]
    chat, turns, cards, box = steps[-1]
    assert box == "" and len(chat) == 2 and 'class="cite"' in chat[-1]["content"]
    assert turns[0]["msg_index"] == 1 and turns[0]["cited_titles"] and 'id="src-0-1"' in cards
    seen = {}
    original = sample_assistant.stream

    def spy(question, **kwargs):  # records what the UI sends; the real stream still answers
        seen.update(kwargs)
        return original(question, **kwargs)

    sample_assistant.stream = spy
    try:
        chat, turns, cards, _ = _last(handlers.respond("Which of them needs no fine-tuning?", chat, turns, "extractive", 5))
        assert seen["history"][0] == {"role": "user", "content": QUESTION} and seen["history"][1]["role"] == "assistant"
        assert seen["filters"] is None and seen["backend"] == "extractive" and seen["top_k"] == 5
        assert len(chat) == 4 and 'id="src-1-' in cards
        # The sample pages carry no years, so a year filter matches nothing: a one-line message, not a trace.
        chat, turns, cards, _ = _last(handlers.respond("Concept erasure?", chat, turns, "extractive", 5, 2020, None, "", "", ""))
        assert seen["filters"] == {"year_from": 2020}
        assert "year" in chat[-1]["content"] and "Traceback" not in chat[-1]["content"] and len(turns) == 2
    finally:
        del sample_assistant.stream


def test_errors_become_one_line_chat_messages(tmp_path, sample_assistant):
    empty = Handlers(Assistant(data_dir=tmp_path / "empty"))
    chat, turns, _, _ = _last(empty.respond(QUESTION, [], [], "extractive", 5))
    assert "ingest something first" in chat[-1]["content"] and turns == []
    assert _last(Handlers(sample_assistant).respond("q", [], [], "extractive", 5, 2025, 2020))[0][-1]["content"].count("earlier year") == 1
    assert empty.chat_api(QUESTION, []).startswith("error: the collection is empty")


def test_bibtex_exports_live_in_one_folder_that_goes_with_the_handlers(sample_assistant):
    """Each export gets its own file (two users never share one); all of them are removed with the server."""
    import gc

    handlers = Handlers(sample_assistant)
    _, turns, _, _ = _last(handlers.respond(QUESTION, [], [], "extractive", 5))
    first, second = (Path(handlers.export_bibtex(turns)["value"]) for _ in range(2))
    folder = Path(handlers.exports.name)
    assert first != second and first.parent.parent == second.parent.parent == folder
    assert first.read_text(encoding="utf-8").startswith("@")
    del handlers
    gc.collect()
    assert not folder.exists()
