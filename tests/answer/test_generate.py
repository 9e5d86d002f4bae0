"""The model writer's checks after generation: a fact question's asked figure that the model left out (real store and embedder; the model's reply is given)."""

from __future__ import annotations


def _setup(assistant, question: str):
    answerer = assistant.components.answerer
    plan = answerer.planner.plan(question, [])
    hits = answerer.search.search(plan, None, None).hits[: assistant.settings.answer.context_papers]
    return answerer.writer, plan, hits


def test_a_fact_answer_without_the_asked_figure_gets_the_abstracts_sentence_that_reports_it(sample_assistant):
    writer, plan, hits = _setup(sample_assistant, "What speedup does Medusa report?")
    medusa = next(i for i, h in enumerate(hits) if h.title.startswith("Medusa"))
    # What a small model writes: the method, cited, and no number.
    checked = writer.validator.validate(f"Medusa adds extra decoding heads that predict several tokens in parallel [{medusa + 1}].", hits)
    covered, added = writer.cover_figure(checked, plan, hits)
    assert added and covered.text.startswith(checked.text)
    assert "From the abstract:" in covered.text and ("2.2x" in covered.text or "2.3-3.6x" in covered.text), covered.text
    # The added sentence cites Medusa's paper, which keeps its number; nothing cites a paper that was not retrieved.
    assert [c.title for c in covered.citations][0].startswith("Medusa") and len(covered.citations) == 1


def test_a_fact_answer_that_states_the_figure_or_a_question_asking_none_is_left_alone(sample_assistant):
    writer, plan, hits = _setup(sample_assistant, "What speedup does Medusa report?")
    stated = writer.validator.validate("Medusa-1 reaches over 2.2x speedup [1].", hits)
    assert writer.cover_figure(stated, plan, hits) == (stated, False)
    writer, plan, hits = _setup(sample_assistant, "Does Medusa need to fine-tune the backbone LLM?")
    checked = writer.validator.validate("Medusa-1 keeps the backbone frozen [1].", hits)
    assert writer.cover_figure(checked, plan, hits) == (checked, False)
