"""The sentence-transformers (torch) backend: where it runs, and what it records."""

from __future__ import annotations

import pytest
from support import counted_during

from rag.embedding.local import SentenceTransformerEmbedder
from rag.errors import UserError
from rag.settings import EmbeddingSettings


def test_cpu_is_the_default_device_and_is_recorded_as_the_encoder():
    embedder = SentenceTransformerEmbedder(EmbeddingSettings())
    assert embedder.variant == "torch-cpu"
    assert str(embedder.model.device) == "cpu"


def test_asking_for_a_gpu_torch_cannot_see_is_one_line_naming_the_setting():
    # A device index past any machine's GPUs: refused here (no CUDA) and on a GPU machine alike.
    with pytest.raises(UserError, match="embedding.device") as info:
        SentenceTransformerEmbedder(EmbeddingSettings(device="cuda:99"))
    assert "\n" not in str(info.value)


@pytest.mark.slow
def test_counting_tokens_in_one_thread_while_another_embeds_padded_batches_is_safe():
    # Ingest counts chunk tokens in its reading thread while the main thread embeds: on one shared
    # fast-tokenizer object the count resets the padding the batch asked for, and the batch fails
    # with "Unable to create tensor" (seen in CI). Run both at once and check each still works.
    embedder = SentenceTransformerEmbedder(EmbeddingSettings())
    long_text = "sparse attention for long documents " * 80
    batch = ["short", "a somewhat longer sentence about pruning", long_text[:120], "diffusion"] * 2
    solo_count = len(embedder.tokenize(long_text))

    def embed():
        vectors = embedder.embed(batch)
        assert vectors.shape == (len(batch), embedder.dimension)

    counts = counted_during(lambda: len(embedder.tokenize(long_text)), embed, 40)
    assert counts and set(counts) == {solo_count}, "a token count was truncated by the embedding thread's settings"
