"""SentenceVectors (rag.embedding.cache): what it embeds, what it keeps, and that kept vectors outlive the process."""

from __future__ import annotations

import numpy as np

from rag.embedding import LazyEmbedder
from rag.embedding.cache import SentenceVectors
from rag.settings import EmbeddingSettings
from rag.storage.sentences import SentenceVectorStore

SENTENCES = ["Medusa adds extra decoding heads to predict several tokens.", "We erase concepts from diffusion models.",
             "The speedup reaches 2.3 times on code."]


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, embedder):
        self.embedder, self.texts = embedder, []

    def embed_query(self, texts):  # what SentenceVectors embeds with: text embedded at question time
        self.texts.extend(texts)
        return self.embedder.embed_query(texts)


def test_kept_sentences_are_stored_and_a_new_process_embeds_only_what_was_not(tmp_path):
    model = LazyEmbedder(EmbeddingSettings())
    path = tmp_path / "sentences.sqlite"
    first = CountingEmbedder(model)
    vectors = SentenceVectors(first, store=SentenceVectorStore(path, model.name))
    question = "Which papers predict several tokens at once?"
    asked = vectors.embed([question])
    kept = vectors.embed(SENTENCES, keep=True)
    assert first.texts == [question, *SENTENCES]

    later = CountingEmbedder(model)  # a new process: empty memory, same data dir
    again = SentenceVectors(later, store=SentenceVectorStore(path, model.name))
    assert np.allclose(again.embed(SENTENCES, keep=True), kept, atol=1e-6)
    again.embed([question])
    assert later.texts == [question]  # the question was never stored, the sentences were
    plain = model.embed(SENTENCES)
    assert np.sum(kept * plain, axis=1).min() >= 0.9999 and float(asked[0] @ model.embed([question])[0]) >= 0.99999


def test_memory_forgets_the_least_recently_used_and_still_answers_a_call_larger_than_itself():
    counting = CountingEmbedder(LazyEmbedder(EmbeddingSettings()))
    vectors = SentenceVectors(counting, max_items=2)
    vectors.embed(SENTENCES[:2])
    vectors.embed([SENTENCES[0]])  # used again: now the most recent
    vectors.embed([SENTENCES[2]])  # forgets SENTENCES[1], the least recently used
    counting.texts.clear()
    vectors.embed([SENTENCES[0], SENTENCES[2]])
    assert counting.texts == []
    assert vectors.embed(SENTENCES).shape == (3, 384)  # more texts than it remembers
