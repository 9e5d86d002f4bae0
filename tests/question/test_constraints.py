"""Constraints stated in words become filters, and leave the searched text."""

import pytest

from rag.question.constraints import read_constraints


@pytest.mark.parametrize("question, filters, text", [
    ("Which papers quantize LLM weights since 2024?", {"year_from": 2024}, "Which papers quantize LLM weights?"),
    ("Pruning papers published after 2023", {"year_from": 2024}, "Pruning papers"),
    ("Which papers before 2020 study GANs?", {"year_to": 2019}, "Which papers study GANs?"),
    ("Diffusion papers between 2022 and 2021", {"year_from": 2021, "year_to": 2022}, "Diffusion papers"),
    ("Which speculative decoding papers are in cs.cl?", {"category": "cs.CL"}, "Which speculative decoding papers are?"),
    ("Which papers by Ken Lee study pruning?", {"author": "Ken Lee"}, "Which papers study pruning?"),
    ("What did Hinton et al. propose?", {}, "What did Hinton et al. propose?"),  # not "papers by": no author filter
    ("How does Medusa speed up decoding by 2x?", {}, "How does Medusa speed up decoding by 2x?"),
])
def test_read_constraints(question, filters, text):
    found = read_constraints(question)
    assert found.filters == filters and found.text == text
