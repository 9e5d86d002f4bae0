"""Answers from papers' records: who wrote a paper, and lists that are nothing but a filter (rag.answer.metadata)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import Assistant

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="module")
def arxiv_assistant(tmp_path_factory):
    """Three arXiv records with authors, categories and dates (tests/fixtures/arxiv.jsonl)."""
    assistant = Assistant(data_dir=tmp_path_factory.mktemp("arxiv") / "data")
    assistant.ingest([FIXTURES / "arxiv.jsonl"])
    return assistant


def test_who_wrote_a_paper_the_question_describes_is_answered_from_its_record(arxiv_assistant):
    # Before: the answer quoted the abstract, which never says who wrote it.
    answer = arxiv_assistant.ask("Who wrote the paper on Gaussian splatting for industrial sensor simulation?")
    assert not answer.abstained and "is by Xianming Zeng and Sicong Du [1]" in answer.text, answer.text
    assert [c.title for c in answer.citations] == ["Industrial-Grade Sensor Simulation via Gaussian Splatting"]


def test_a_list_that_is_only_a_filter_lists_the_papers_it_matches(arxiv_assistant):
    # Before: the author filter found the paper, and the answer abstained: nothing was left of the question.
    answer = arxiv_assistant.ask("Which papers by Zeng are in the collection?")
    assert answer.plan.filters == {"author": "Zeng"}
    assert not answer.abstained and answer.text.startswith("1 paper in the collection is by Zeng:"), answer.text
    assert [c.title for c in answer.citations] == ["Industrial-Grade Sensor Simulation via Gaussian Splatting"]
    in_cv = arxiv_assistant.ask("Which papers in cs.CV are there?")
    assert in_cv.text.startswith("2 papers in the collection are in cs.CV:"), in_cv.text
    assert len(in_cv.citations) == 2


def test_who_wrote_it_after_an_answer_names_that_papers_authors(arxiv_assistant):
    first = arxiv_assistant.ask("Which papers make vision-language models safe?")
    history = [{"role": "user", "content": first.question}, first.message()]
    follow = arxiv_assistant.ask("Who wrote it?", history=history)
    assert "Moreno D'Incà" in follow.text and follow.citations, follow.text


def test_a_paper_whose_record_has_no_authors_says_so(sample_assistant):
    # The sample's listing pages carry no authors: the answer says the record lists none, and cites the paper.
    answer = sample_assistant.ask("Who wrote the Medusa paper?")
    assert "lists no authors" in answer.text and answer.citations[0].title.startswith("Medusa"), answer.text
