"""The default sentence-transformers backend: where it runs, and what it records."""

from __future__ import annotations

import pytest

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
