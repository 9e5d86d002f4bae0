"""The answer step end to end: abstention, streaming, follow-ups, bad input (real model and store)."""

from __future__ import annotations

import pytest

from rag import Assistant, UserError
from rag.types import Answer, TextDelta

ABSENT = "Which method predicts a protein's 3D structure from its amino-acid sequence?"


def test_an_absent_subject_abstains_and_names_the_closest_papers(sample_assistant):
    answer = sample_assistant.ask(ABSENT)
    assert answer.abstained
    assert answer.citations == [] and answer.sources
    assert "does not" in answer.text
    closest = answer.sources[: sample_assistant.settings.answer.closest_papers]
    assert all(hit.title in answer.text for hit in closest)


def test_stream_yields_text_then_the_final_answer(sample_assistant):
    events = list(sample_assistant.stream("What speedup does Medusa report with a frozen backbone?"))
    assert isinstance(events[-1], Answer)
    deltas = [e for e in events[:-1] if isinstance(e, TextDelta)]
    assert deltas and "".join(d.text for d in deltas) == events[-1].text


def test_a_follow_up_is_rewritten_from_the_history(sample_assistant):
    history = [
        {"role": "user", "content": "Which papers erase unwanted concepts from text-to-image diffusion models?"},
        {"role": "assistant", "content": "Several do [1][2]."},
    ]
    answer = sample_assistant.ask("and which of those is the fastest?", history=history)
    assert "erase" in answer.standalone_question and "diffusion" in answer.standalone_question
    assert not answer.abstained
    assert any("erasure" in c.title.lower() or "erasing" in c.title.lower() for c in answer.citations)


def test_bad_history_is_a_user_error(sample_assistant):
    with pytest.raises(UserError, match="history must be a list"):
        sample_assistant.ask("and those?", history=[["user", "hi"]])


def test_unknown_backend_is_a_user_error(sample_assistant):
    with pytest.raises(UserError, match="use extractive, local or openai"):
        sample_assistant.ask("Medusa speedup?", backend="gpt5")


def test_an_empty_collection_says_to_ingest_first(tmp_path):
    with pytest.raises(UserError, match=r"ingest something first: rag ingest PATH"):
        Assistant(data_dir=tmp_path).ask("What is Medusa?")


def test_rag_ask_prints_a_reference_list(sample_data_dir, capsys):
    from rag.cli import main

    assert main(["ask", "What speedup does Medusa report with a frozen backbone?", "--data-dir", str(sample_data_dir)]) == 0
    out = capsys.readouterr().out
    assert "References:" in out and "[1] Medusa: Simple LLM Inference Acceleration Framework" in out
