"""Compact model sources on the real sample corpus (real embedding model, real Chroma)."""

from __future__ import annotations

from rag.answer.compact import CompactSources
from rag.answer.extractive import ExtractiveAnswerer
from rag.text.words import EnglishStemmer
from rag.answer.prompts import PromptBuilder
from rag.embedding.cache import SentenceVectors
from rag.text.sentences import split_sentences

def compact(assistant, per_paper: int) -> CompactSources:
    return CompactSources(ExtractiveAnswerer(assistant.settings.answer, SentenceVectors(assistant.components.embedder), EnglishStemmer()), per_paper)


QUESTION = (
    "For the LLM acceleration method that bolts several additional next-token prediction heads onto the model, "
    "what speedup is reported when only those heads are trained and the backbone stays frozen?"
)


def test_each_paper_keeps_its_sentences_closest_to_the_question(sample_assistant):
    hits = sample_assistant.retrieve(QUESTION, top_k=3)
    texts = compact(sample_assistant, 3).texts(QUESTION, hits)
    assert len(texts) == 3
    for hit, text in zip(hits, texts):
        kept = text.split(" … ")
        sentences = split_sentences(hit.abstract)
        assert 1 <= len(kept) <= 3 and all(s in sentences for s in kept)
        assert [sentences.index(s) for s in kept] == sorted(sentences.index(s) for s in kept)  # abstract order
    assert "2.2x speedup" in texts[0]  # the answer sentence survives the cut


def test_compact_prompt_is_much_shorter_than_evidence_chunks(sample_assistant):
    hits = sample_assistant.retrieve(QUESTION, top_k=6)
    settings = sample_assistant.settings.answer
    builder = PromptBuilder(settings.prompts_path, settings.source_chars)
    full = builder.messages(QUESTION, hits)[1]["content"]
    short = builder.messages(QUESTION, hits, compact(sample_assistant, 3).texts(QUESTION, hits))[1]["content"]
    assert all(f"[{i}] {h.title}" in short for i, h in enumerate(hits, 1))
    assert len(short) < 0.6 * len(full)
