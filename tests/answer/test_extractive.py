"""The extractive backend on the real sample corpus (real embedding model, real Chroma)."""

from __future__ import annotations

from rag.text.markers import cited_numbers

MEDUSA = "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads"
QUESTION = (
    "For the LLM acceleration method that bolts several additional next-token prediction heads onto the model, "
    "what speedup is reported when only those heads are trained and the backbone stays frozen?"
)


def test_a_fact_question_gets_its_sentence_cited_to_the_right_paper(sample_assistant):
    answer = sample_assistant.ask(QUESTION)
    assert answer.backend == "extractive" and not answer.abstained
    assert "2.2x speedup" in answer.text
    assert answer.citations[0].number == 1 and answer.citations[0].title == MEDUSA
    assert any("2.2x speedup" in sentence for sentence in answer.citations[0].evidence)
    # Every sentence is an abstract sentence, so each is cited and supported.
    assert answer.sentences and all(s.citations and s.supported for s in answer.sentences)
    assert answer.invalid_citations_before_validation == 0 and answer.removed_citations == []
    assert {"retrieve_ms", "generate_ms", "first_token_ms", "total_ms"} <= set(answer.timings)


def test_citations_are_numbered_in_order_of_first_use(sample_assistant):
    answer = sample_assistant.ask("Which papers erase unwanted concepts from text-to-image diffusion models?")
    assert not answer.abstained
    first_use = list(dict.fromkeys(cited_numbers(answer.text)))
    assert first_use == list(range(1, len(answer.citations) + 1))
    retrieved = {h.paper_id for h in answer.sources}
    assert all(c.paper_id in retrieved for c in answer.citations)
    # A list answer has one item per paper, at most answer.max_list_papers; prose at most answer.max_sentences.
    assert answer.plan.kind == "list" and len(answer.citations) <= sample_assistant.settings.answer.max_list_papers
    prose = sample_assistant.ask("What speedup does Medusa report with a frozen backbone?")
    assert prose.plan.kind == "fact" and len(prose.sentences) <= sample_assistant.settings.answer.max_sentences


def test_sources_keep_every_retrieved_paper_with_scores(sample_assistant):
    answer = sample_assistant.ask(QUESTION, top_k=7)
    assert len(answer.sources) == 7
    retrieved = sample_assistant.retrieve(QUESTION, top_k=7)
    assert [(h.paper_id, round(h.score, 6)) for h in answer.sources] == [(h.paper_id, round(h.score, 6)) for h in retrieved]
    assert {c.paper_id for c in answer.citations} <= {h.paper_id for h in answer.sources}


def test_a_method_answer_keeps_the_method_description_in_order_up_to_its_limit(sample_assistant):
    # Tree-Ring's abstract describes its method in five sentences; the fourth says how the pattern survives
    # crops and rotations (it lives in Fourier space), which is what this question asks.
    answer = sample_assistant.ask("How does the invisible fingerprinting scheme for diffusion-generated images embed its signal "
                                  "so that it survives crops and rotations, and how is it detected afterwards?")
    assert answer.plan.kind == "method" and answer.citations[0].title.startswith("Tree-Ring")
    assert "initial noise vector" in answer.text and "Fourier space" in answer.text, answer.text
    assert answer.text.index("initial noise vector") < answer.text.index("Fourier space")


def test_answering_papers_are_the_papers_the_answer_quotes(sample_assistant):
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.embedding.cache import SentenceVectors
    from rag.text.words import EnglishStemmer

    extractive = ExtractiveAnswerer(sample_assistant.settings.answer, SentenceVectors(sample_assistant.components.embedder), EnglishStemmer())
    for question, kind in ((QUESTION, "fact"), ("How does Tree-Ring watermarking embed its pattern?", "method"),
                           ("Which papers prune language models without retraining?", "fact")):
        hits = sample_assistant.retrieve(question, top_k=4)
        text = extractive.compose(question, hits, kind)
        in_order = list(dict.fromkeys(n - 1 for n in cited_numbers(text)))
        assert extractive.answering_papers(question, hits, kind) == in_order and in_order, (question, text)
    hits = sample_assistant.retrieve(QUESTION, top_k=4)
    assert [hits[i].title for i in extractive.answering_papers(QUESTION, hits)] == [MEDUSA]
