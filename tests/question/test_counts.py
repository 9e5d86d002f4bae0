"""How many papers a question says it is about (rag/question/counts.py)."""

from __future__ import annotations

import pytest

from rag.question.counts import stated_count
from rag.question.planner import QuestionPlanner


@pytest.mark.parametrize("question, count", [
    ("Compare the two neural audio codecs in the collection: how do they differ?", 2),
    ("Two online continual learning papers replay stored samples. How does the later one differ?", 2),
    ("Which three papers prune LLMs without retraining?", 3),
    ("How do the original zero-redundancy optimizer and its follow-up differ in what they optimise?", 2),
    ("Compare the pooling method with its later adaptive extension from the same line of work.", 2),
    ("Both use mixture-of-experts: how do their goals differ?", 2),
])
def test_a_stated_number_of_papers_is_read(question, count):
    assert stated_count(question) == count


@pytest.mark.parametrize("question", [
    "Which papers use a two-stage training recipe?",  # a number of stages, not of papers
    "Which papers fuse two modalities in one encoder?",
    "Which papers erase concepts from diffusion models?",
    "How do the speculative decoding papers compare in speedup?",
])
def test_numbers_that_count_something_else_are_not_a_count(question):
    assert stated_count(question) is None


def test_the_plan_carries_the_count_only_for_lists_and_compares():
    planner = QuestionPlanner()
    assert planner.plan("How do the two wavelet-based 3D diffusion models differ in the task they solve?").count == 2
    assert planner.plan("What do the two heads of Medusa predict?").count is None  # a fact question


def test_the_paper_that_introduced_a_named_idea_is_one_paper():
    # "Which paper introduced Tree-Ring watermarks?" listed three watermarking papers.
    assert stated_count("Which paper introduced Tree-Ring watermarks?") == 1
    assert stated_count("Which papers introduced new watermarks?") is None
