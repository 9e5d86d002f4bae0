"""Conversation history: format checks and the no-model follow-up rewriting rule."""

from __future__ import annotations

import pytest

from rag.answer.history import FollowUpRewriter, check_history
from rag.question.referents import is_follow_up
from rag.errors import UserError


def test_gradio_messages_with_content_parts_are_accepted():
    history = [
        {"role": "user", "content": [{"type": "text", "text": "speculative decoding papers"}]},
        {"role": "assistant", "content": "EAGLE and Medusa [1][2].", "metadata": {"title": None}},
    ]
    assert check_history(history) == [
        {"role": "user", "content": "speculative decoding papers"},
        {"role": "assistant", "content": "EAGLE and Medusa [1][2]."},
    ]


@pytest.mark.parametrize(
    "bad",
    [
        "user: hi",
        [("user", "hi"), ("assistant", "hello")],  # the old Gradio tuples format
        [{"role": "robot", "content": "hi"}],
        [{"role": "user", "content": 42}],
        [{"content": "no role"}],
    ],
)
def test_a_wrong_history_format_is_a_one_line_user_error(bad):
    with pytest.raises(UserError) as caught:
        check_history(bad)
    message = str(caught.value)
    assert "\n" not in message
    assert "'role'" in message and "'content'" in message  # names the expected format


def test_follow_up_cues():
    assert is_follow_up("and which of those is fastest?")
    assert is_follow_up("what about them?")
    assert not is_follow_up("Which papers erase concepts from text-to-image diffusion models?")


def test_rule_prepends_the_earlier_question_terms():
    history = [
        {"role": "user", "content": "Which papers speed up LLM inference with speculative decoding?"},
        {"role": "assistant", "content": "EAGLE [1] and Medusa [2]."},
    ]
    rewritten = FollowUpRewriter(6).rewrite("and which of those is fastest?", history)
    assert rewritten.startswith("and which of those is fastest?")
    for term in ("speculative", "decoding", "inference"):
        assert term in rewritten


def test_rule_walks_back_over_earlier_follow_ups():
    history = [
        {"role": "user", "content": "Papers on concept erasure in diffusion models"},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": "which of them are training-free?"},
        {"role": "assistant", "content": "..."},
    ]
    rewritten = FollowUpRewriter(6).rewrite("and how fast are those?", history)
    assert "erasure" in rewritten and "training-free" in rewritten


def test_a_standalone_question_is_left_alone():
    history = [{"role": "user", "content": "speculative decoding"}]
    question = "Which papers erase concepts from text-to-image diffusion models?"
    assert FollowUpRewriter(6).rewrite(question, history) == question


def test_the_paper_ids_an_answer_carries_survive_checking_and_bad_ones_are_dropped():
    message = {"role": "assistant", "content": "a [1]", "paper_ids": ["p1"], "scope_ids": ["p0", "p1"], "source_ids": ["p1", "p2"]}
    assert check_history([message]) == [message]
    assert check_history([{**message, "source_ids": [1, 2]}]) == [{k: v for k, v in message.items() if k != "source_ids"}]
