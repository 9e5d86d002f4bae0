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


def test_a_bare_yes_or_no_gets_the_cited_papers_best_sentence(sample_assistant):
    writer, plan, hits = _setup(sample_assistant, "Does Medusa need to fine-tune the backbone LLM?")
    medusa = next(i for i, h in enumerate(hits) if h.title.startswith("Medusa"))
    bare = writer.validator.validate(f"No [{medusa + 1}].", hits)
    covered, added = writer.cover_bare(bare, plan, hits)
    assert added and covered.text.startswith("No [1].") and "From the abstract:" in covered.text, covered.text
    assert [c.title for c in covered.citations] == [hits[medusa].title] and "backbone" in covered.text.lower()
    # An answer that states its evidence is left alone, and so is a list (its items are checked by cover()).
    stated = writer.validator.validate(f"No: Medusa-1 is fine-tuned on top of a frozen backbone LLM [{medusa + 1}].", hits)
    assert writer.cover_bare(stated, plan, hits) == (stated, False)
    writer, plan, hits = _setup(sample_assistant, "Which papers speed up LLM decoding?")
    listed = writer.validator.validate("Medusa [1].", hits)
    assert writer.cover_bare(listed, plan, hits) == (listed, False)


def test_list_papers_cited_only_in_the_opening_line_get_their_items(sample_assistant):
    writer, plan, hits = _setup(sample_assistant, "Which papers speed up LLM decoding?")
    assert plan.kind == "list" and len(hits) >= 2
    # What a 1.5B model wrote: the count line, every paper cited in it, no item for any of them.
    bare = writer.validator.validate("2 papers in the collection address faster decoding: [1][2]", hits)
    covered, added = writer.cover(bare, plan, hits, [0, 1])
    assert added == [hits[0].title, hits[1].title] and covered.text.startswith(bare.text)
    assert covered.text.count("\n- ") == 2 and [c.paper_id for c in covered.citations] == [hits[0].paper_id, hits[1].paper_id]
    # Items written by the model, on their own lines or run on after the count line, are left alone.
    for written in ("2 papers in the collection address faster decoding:\n- One drafts tokens with extra heads [1].\n- Two verifies drafts in parallel [2].",
                    "2 papers in the collection address faster decoding. - One drafts tokens with extra heads [1]. Two verifies them [2]."):
        checked = writer.validator.validate(written, hits)
        assert writer.cover(checked, plan, hits, [0, 1]) == (checked, []), written
