"""The answer step end to end: abstention, streaming, follow-ups, bad input (real model and store)."""

from __future__ import annotations

import re

import pytest

from rag import Assistant, UserError
from rag.question.referents import UNCITED_CANDIDATES
from rag.types import Answer, TextDelta

# One of the examples of an absent question that used to be answered with unrelated sentences.
ABSENT = "Does chain-of-thought prompting improve arithmetic reasoning?"


def test_an_absent_subject_abstains_and_names_the_closest_papers(sample_assistant):
    answer = sample_assistant.ask(ABSENT)
    assert answer.abstained
    assert answer.citations == [] and answer.sources
    assert "does not" in answer.text
    closest = answer.sources[: sample_assistant.settings.answer.closest_papers]
    assert all(hit.title in answer.text for hit in closest)


def test_a_named_method_the_collection_lacks_is_named_in_the_abstention(sample_assistant):
    # PERP's abstract mentions SparseGPT once, as a baseline; no paper is about it.
    answer = sample_assistant.ask("How does SparseGPT prune LLMs?")
    assert answer.abstained and "no paper about SparseGPT" in answer.text


def test_a_list_question_lists_every_paper_above_the_cut_one_item_each(sample_assistant):
    answer = sample_assistant.ask("Which papers erase concepts from diffusion models?")
    assert answer.plan.kind == "list" and not answer.abstained
    lines = answer.text.splitlines()
    items = [line for line in lines if line.startswith("- ")]
    assert lines[0] == f"{len(items)} papers in the collection erase concepts from diffusion models:"
    assert len(items) == len(answer.citations) >= 4, answer.text
    assert all(line.rstrip(".").endswith(f"[{n}]") for n, line in enumerate(items, 1))
    erasure = [c for c in answer.citations if any(w in c.title.lower() for w in ("erase", "erasure", "erasing", "unlearning", "concept"))]
    assert len(erasure) >= 4, [c.title for c in answer.citations]


def test_a_compare_question_cites_both_sides_with_their_figures_and_a_table(sample_assistant):
    answer = sample_assistant.ask("How does Medusa compare with EAGLE in speedup?")
    titles = [c.title for c in answer.citations]
    assert answer.plan.kind == "compare" and answer.plan.entities == ["Medusa", "EAGLE"]
    assert any(t.startswith("Medusa") for t in titles) and any(t.startswith("EAGLE") for t in titles)
    assert "| paper | method | reported speedup |" in answer.text
    assert "2.2x" in answer.text or "2.3-3.6x" in answer.text
    assert "3x" in answer.text or "1.6x" in answer.text


def test_a_compare_of_the_two_papers_it_describes_cites_those_two_with_two_sentences_each(sample_assistant):
    answer = sample_assistant.ask("How do the two wavelet-based 3D diffusion models for medical volumes differ in the task they solve?")
    assert answer.plan.kind == "compare" and answer.plan.count == 2
    titles = sorted(c.title.split(":")[0] for c in answer.citations)
    assert titles == ["WDM", "cWDM"], answer.text
    items = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert len(items) == 2 and all(line.count(f"[{n}]") == 2 for n, line in enumerate(items, 1)), answer.text
    assert "missing modality" in answer.text  # what cWDM solves, beyond its sentence that scored best


def test_a_compare_side_the_collection_lacks_is_named(sample_assistant):
    answer = sample_assistant.ask("How does Medusa compare with Lookahead-Zorblax in speedup?")
    assert any("Lookahead-Zorblax" in n for n in answer.notices), answer.notices
    assert any(c.title.startswith("Medusa") for c in answer.citations)


def test_a_compare_with_one_missing_side_answers_the_side_whose_paper_is_here(sample_assistant):
    # Refused before: the answerability model read "FlashDecoding++" as a question the collection cannot answer.
    answer = sample_assistant.ask("How does Medusa compare with FlashDecoding++ in speedup?")
    assert not answer.abstained and [c.title for c in answer.citations][0].startswith("Medusa"), answer.text
    assert "2.2x" in answer.text and any("FlashDecoding++" in n and "left out" in n for n in answer.notices), answer.notices


def test_a_refused_compare_names_its_missing_sides_once_and_does_not_say_it_compared(sample_assistant):
    answer = sample_assistant.ask("How does Zorblax-7 compare with Quuxformer-3 in speedup?")
    assert answer.abstained and "no paper about Zorblax-7 or Quuxformer-3" in answer.text, answer.text
    # The abstention says it cannot answer; a notice that the sides were "left out of the comparison" said otherwise.
    assert not any("comparison" in n for n in answer.notices), answer.notices


def test_a_compare_of_methods_the_collection_only_cites_is_refused_naming_both(sample_assistant):
    # The sample has no SparseGPT or Wanda paper; PERP and FLAP list them among their baselines. Before, the
    # answer was "Comparing 2 papers on perplexity:" with a sentence each from PERP and FLAP, as if they were the two.
    answer = sample_assistant.ask("Compare SparseGPT and Wanda in perplexity.")
    assert answer.abstained and "no paper about SparseGPT or Wanda" in answer.text, answer.text
    assert not answer.citations


def test_a_compare_side_the_collection_only_cites_is_left_out_and_the_other_answered(sample_assistant):
    answer = sample_assistant.ask("How does PERP compare with SparseGPT?")
    assert not answer.abstained and [c.title for c in answer.citations][0].startswith("PERP"), answer.text
    assert any("SparseGPT" in n and "left out" in n for n in answer.notices), answer.notices


def _after_codec_list(assistant, question):
    first = assistant.ask("Which papers compress neural audio codecs or speech?")
    third = first.citations[2]
    return third, assistant.ask(question, history=[{"role": "user", "content": first.question}, first.message()])


def test_a_follow_up_asking_one_papers_figure_quotes_the_sentence_that_reports_it(sample_assistant):
    # MiniLM puts "... into tokens at just 8kbps bandwidth" far from "what bitrate", so the follow-up used to
    # be judged unanswered within that paper and sent to the whole collection.
    third, answer = _after_codec_list(sample_assistant, "What bitrate does the third one reach?")
    assert third.title.startswith("High-Fidelity Audio Compression with Improved RVQGAN"), third.title
    assert [c.paper_id for c in answer.citations] == [third.paper_id] and "8kbps" in answer.text, answer.text


def test_the_one_named_by_what_it_does_is_the_earlier_paper_closest_to_that_and_the_answer_is_about_it_alone(sample_assistant):
    # "How does the one made only for video get its speedup?" quoted the image-and-video paper too.
    first = sample_assistant.ask("Which papers accelerate diffusion transformers?")
    titles = {c.paper_id: c.title for c in first.citations}
    assert any(t.startswith("AsymRnR") for t in titles.values()), titles
    history = [{"role": "user", "content": first.question}, first.message()]
    answer = sample_assistant.ask("How does the one made only for video get its speedup?", history=history)
    assert [c.title for c in answer.citations] == [next(t for t in titles.values() if t.startswith("AsymRnR"))], answer.text
    assert "AsymRnR" in answer.text and not answer.abstained


def test_a_follow_up_about_one_paper_that_it_does_not_answer_is_said_of_that_paper(sample_assistant):
    # Before: "none of the previous answer's 1 papers answers this; searched the whole collection", and four
    # sentences about transformers from four unrelated papers.
    third, answer = _after_codec_list(sample_assistant, "Does the third one use a transformer?")
    assert answer.abstained and third.title in answer.text and not answer.citations, answer.text
    assert not any("whole collection" in n for n in answer.notices), answer.notices
    assert [h.paper_id for h in answer.sources] == [third.paper_id]


def test_a_list_cut_off_at_its_most_papers_gives_its_count_as_a_floor(sample_assistant):
    # The sample holds dozens of diffusion papers; "8 papers in the collection address diffusion models" was false.
    answer = sample_assistant.ask("How many papers are about diffusion models?")
    assert answer.plan.kind == "list" and len(answer.citations) == 8
    assert answer.text.startswith("At least 8 papers in the collection address diffusion models:"), answer.text


def test_tell_me_about_a_method_answers_from_its_paper_and_a_missing_subject_is_named(sample_assistant):
    answer = sample_assistant.ask("Tell me about Medusa.")
    assert not answer.abstained and answer.citations[0].title.startswith("Medusa:") and "decoding heads" in answer.text, answer.text
    # A name the collection only cites: said so, not answered from the paper that cites it.
    limits = sample_assistant.ask("What are the limitations of SparseGPT?")
    assert limits.abstained and "no paper about SparseGPT" in limits.text, limits.text
    # A name that closes no question ("How much of BERT's FLOPs do A and B remove?") is no subject.
    plan = sample_assistant.components.answerer.planner.plan("Which method removes most of BERT's FLOPs?")
    from rag.answer.answerability import specific_subject
    assert specific_subject(plan) is None


def test_a_method_whose_name_is_a_common_word_is_found_by_its_title(sample_assistant):
    # Refused before: case-folded BM25 read "zero" (Zero-TPrune, zero-shot papers), and MiniLM does not know the name.
    answer = sample_assistant.ask("What problem does ZeRO solve?")
    assert not answer.abstained and [c.title.split(":")[0] for c in answer.citations] == ["ZeRO"], answer.text
    assert "memory redundancies" in answer.text


def test_a_follow_up_searches_within_the_previous_answers_papers(sample_assistant):
    first = sample_assistant.ask("Which papers speed up LLM inference with speculative decoding?")
    history = [{"role": "user", "content": first.question}, first.message()]
    follow = sample_assistant.ask("Which of them uses the model's own early layers to draft tokens?", history=history)
    cited = [c.paper_id for c in first.citations]
    # The cited papers first, then the nearest retrieved papers the list left out, in retrieval order.
    uncited = [h.paper_id for h in first.sources if h.paper_id not in cited][:UNCITED_CANDIDATES]
    assert follow.plan.follow_up and follow.plan.within == cited + uncited
    assert {h.paper_id for h in follow.sources} <= set(cited + uncited)
    assert follow.citations and len(follow.citations) < len(first.citations)
    assert any("early" in c.title.lower() for c in follow.citations), [c.title for c in follow.citations]


def test_a_follow_up_that_rules_something_out_keeps_the_papers_that_say_they_do_without_it(sample_assistant):
    # The example: Medusa's abstract is all about fine-tuning, which MiniLM puts closest to
    # "needs no fine-tuning"; EAGLE's says "it involves no fine-tuning of the target LLM".
    first = sample_assistant.ask("How do the speculative decoding papers compare in speedup?")
    history = [{"role": "user", "content": first.question}, first.message()]
    assert any(c.title.startswith("Medusa") for c in first.citations) and any(c.title.startswith("EAGLE") for c in first.citations)
    follow = sample_assistant.ask("Which of them needs no fine-tuning?", history=history)
    titles = [c.title for c in follow.citations]
    assert follow.plan.within and any(t.startswith("EAGLE") for t in titles), follow.text
    assert not any(t.startswith("Medusa") for t in titles), follow.text
    # The item quotes what answers the follow-up, not EAGLE's "we propose ..." that the first answer showed.
    assert "involves no fine-tuning" in follow.text, follow.text


def test_a_fresh_topic_after_a_follow_up_starts_fresh(sample_assistant):
    first = sample_assistant.ask("Which papers speed up LLM inference with speculative decoding?")
    history = [{"role": "user", "content": first.question}, first.message()]
    fresh = sample_assistant.ask("Unrelated question: which papers build neural audio codecs?", history=history)
    assert not fresh.plan.follow_up and fresh.plan.within == []
    assert any("audio" in c.title.lower() for c in fresh.citations)


def test_a_follow_up_with_no_earlier_turn_is_answered_as_a_new_question(sample_assistant):
    answer = sample_assistant.ask("Which of them uses the model's own early layers to draft tokens?", history=[])
    assert answer.plan.within == [] and answer.text


def test_plan_filters_are_applied_shown_and_removable(sample_assistant):
    # The sample corpus has no years, so a year read from the question leaves nothing to search.
    with pytest.raises(UserError, match="no paper matches year_from=2024, read from the question"):
        sample_assistant.ask("Which papers erase concepts from diffusion models since 2024?")
    answer = sample_assistant.ask("Which papers erase concepts from diffusion models since 2024?", without=["year_from"])
    assert answer.plan.filters == {} and answer.citations


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


def test_a_topic_compare_in_a_figure_quotes_a_figure_for_every_paper_it_cites(sample_assistant):
    answer = sample_assistant.ask("How do the speculative decoding papers compare in speedup?")
    items = [line for line in answer.text.splitlines() if line.startswith("- ")]
    table = [line for line in answer.text.splitlines() if line.startswith("| ") and not line.startswith("| paper")]
    assert len(items) >= 3 and len(table) == len(items) == len(answer.citations), answer.text
    assert any(c.title.startswith("BiTA") for c in answer.citations), answer.text  # 2.7x, just under the list cut


def test_a_compare_asking_how_two_papers_differ_and_their_figures_quotes_what_each_proposes_then_its_figure(sample_assistant):
    answer = sample_assistant.ask("How do Medusa and EAGLE differ, and how do their speeds compare?")
    items = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert answer.plan.quantity == "speedup" and len(items) == 2, answer.text
    for n, line in enumerate(items, 1):
        first, second = line.split(f"[{n}]")[:2]
        assert re.search(r"\b(?:we|this paper)\b.{0,40}\b(?:propose|present|introduce)", first, re.I), line
        assert re.search(r"\d(?:\.\d+)?\s?x\b", second), line


def test_a_question_about_a_named_method_is_answered_from_that_methods_own_paper(sample_assistant):
    # Zero-TPrune's "eliminates the need for fine-tuning" once led this answer; the question is about RECE.
    answer = sample_assistant.ask("Does RECE need fine-tuning?")
    assert not answer.abstained and answer.citations, answer.text
    assert all("Concept Erasure" in c.title for c in answer.citations), [c.title for c in answer.citations]


def test_a_compare_of_how_each_method_works_quotes_mechanisms_not_scores(sample_assistant):
    # EMS's item quoted its LongBench scores; the question asks for the strategy.
    answer = sample_assistant.ask("GEAR versus EMS for KV cache compression: what is the core strategy of each?")
    items = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert len(items) == 2 and "Evict-then-Merge" in answer.text, answer.text
    assert not re.search(r"perplexity|LongBench|throughput", answer.text), answer.text


def test_a_compare_naming_two_methods_without_and_or_versus_is_answered_from_both(sample_assistant):
    # No "A and B" or "A vs B": the two specific names are the sides (it was refused with unrelated papers).
    answer = sample_assistant.ask("What does ZeRO++ add on top of ZeRO, and how do the gains reported by the two papers compare?")
    assert answer.plan.entities == ["ZeRO++", "ZeRO"] and not answer.abstained, answer.text
    assert {c.title.split(":")[0] for c in answer.citations} == {"ZeRO++", "ZeRO"}, [c.title for c in answer.citations]
    # "Gains" are relative figures: ZeRO's "8x increase in model size", not its "13B parameters".
    assert answer.plan.quantity == "gain" and "4x" in answer.text and "8x" in answer.text, answer.text


def test_a_fact_about_a_named_method_with_a_modifier_before_its_name_is_read_from_its_paper(sample_assistant):
    # "the improved RVQGAN codec": the image VQGAN paper's "0.04 bpp" answered it before.
    answer = sample_assistant.ask("What bitrate and compression ratio does the improved RVQGAN codec reach?")
    assert [c.title for c in answer.citations] == ["High-Fidelity Audio Compression with Improved RVQGAN"], answer.text
    assert "8kbps" in answer.text and "90x" in answer.text


def test_the_other_codec_after_a_list_and_one_of_its_papers_is_the_lists_other_codec(sample_assistant):
    history = []
    for question in ("What work is there on neural audio codecs that turn audio into discrete tokens at low bitrates?",
                     "What bitrate and compression ratio does the improved RVQGAN codec reach?"):
        answer = sample_assistant.ask(question, history=history or None)
        history += [{"role": "user", "content": question}, answer.message()]
    answer = sample_assistant.ask("And how does the other codec stabilise training with its multiple losses?", history=history)
    # It quoted the RVQGAN paper again (and before that the image VQGAN paper).
    assert [c.title for c in answer.citations] == ["High Fidelity Neural Audio Compression"], answer.text


def test_which_of_them_keeps_both_papers_that_say_it_far_above_the_rest(sample_assistant):
    # PCR and its holistic follow-up HPCR both replace anchor-to-sample pairs with anchor-to-proxy pairs;
    # closeness 1.19 and 1.00 against 0.49 for the next paper, and only HPCR was kept.
    question = "What methods target online continual learning, where the model sees a single pass over a data stream and must avoid catastrophic forgetting?"
    first = sample_assistant.ask(question)
    history = [{"role": "user", "content": question}, first.message()]
    answer = sample_assistant.ask("Which of them replace contrastive samples with class proxies in the replay loss?", history=history)
    assert sorted(c.title.split(":")[0] for c in answer.citations) == ["HPCR", "PCR"], answer.text


def test_which_of_them_with_a_singular_verb_and_it_is_answered_about_one_paper(sample_assistant):
    # It listed two unlearning papers beside the one on clinical prediction.
    question = "Which papers study training machine learning models under differential privacy?"
    first = sample_assistant.ask(question)
    history = [{"role": "user", "content": question}, first.message()]
    answer = sample_assistant.ask("Which of them looks at clinical prediction tasks, and what trade-offs does it examine?", history=history)
    assert answer.plan.count == 1 and len(answer.citations) == 1, answer.text
    assert answer.citations[0].title.startswith("Chasing Your Long Tails"), answer.citations[0].title


def test_a_compare_in_speedup_quotes_the_figure_beside_its_words_and_a_measured_result_when_none_is_named(sample_assistant):
    # SpQR's item quoted "faster inference ... memory compression gains of more than 4x" over its "at 15% speedup".
    answer = sample_assistant.ask("Which gives the bigger inference speedup, LoRD or SpQR?")
    assert "15% speedup" in answer.text and "| reported speedup |" in answer.text, answer.text
    # VCAS reports no speed-up in those words, only FLOPs saved: its item quotes that result beside what it proposes.
    answer = sample_assistant.ask("Compare the training speedups of PaReprop and VCAS.")
    vcas = next(line for line in answer.text.splitlines() if line.startswith("- VCAS"))
    assert "73.87%" in vcas and "we introduce" in vcas, answer.text


def test_a_compared_method_is_read_from_the_paper_that_introduced_it_and_each_strategy_from_its_method_description(sample_assistant):
    # "DARE the Extreme" (which revisits "the DARE method proposed by Yu et al.") stood for DARE; the paper that
    # introduced it names it only in its abstract ("a novel operation called DARE (Drop And REscale)").
    answer = sample_assistant.ask("How do TIES-Merging and DARE differ in the way they handle redundant fine-tuned parameters before merging models?")
    assert any("Super Mario" in c.title for c in answer.citations) and not any(c.title.startswith("DARE the") for c in answer.citations), answer.text
    assert "- DARE: " in answer.text and "Drop And REscale" in answer.text, answer.text
    # GEAR's item quoted "By adeptly integrating three techniques ..." and none of them.
    answer = sample_assistant.ask("GEAR versus EMS for KV cache compression: what is the core strategy of each?")
    gear = next(line for line in answer.text.splitlines() if line.startswith("- GEAR"))
    assert re.search(r"quantization|low rank", gear), answer.text
