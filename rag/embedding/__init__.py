"""Embedding backends, picked by the config string ``embedding.backend``."""

from __future__ import annotations

from rag.embedding.base import Embedder
from rag.settings import EmbeddingSettings


def model_name(settings: EmbeddingSettings) -> str:
    """The name recorded in the store for this configuration, known without loading anything."""
    if settings.backend == "openai":
        return settings.remote_model or settings.model
    if settings.backend == "onnx":
        from rag.embedding.onnx import onnx_model_name

        return onnx_model_name(settings)
    from rag.embedding.local import resolve_model_location

    return resolve_model_location(settings.model)[1]


class LazyEmbedder:
    """Loads the real embedder on first use, so commands that embed nothing start fast."""

    def __init__(self, settings: EmbeddingSettings):
        self.settings = settings
        self.name = model_name(settings)
        self._real: Embedder | None = None

    @property
    def loaded(self) -> bool:
        return self._real is not None

    @property
    def real(self) -> Embedder:
        if self._real is None:
            self._real = create_embedder(self.settings)
        return self._real

    def __getattr__(self, attribute):
        # Only reached for attributes not set in __init__: dimension, embed, tokenize...
        return getattr(self.real, attribute)


def create_embedder(settings: EmbeddingSettings, cache_dir=None) -> Embedder:
    """Factory: 'onnx' (default), 'sentence-transformers', or 'openai' (remote)."""
    # The ONNX graph runs on the CPU; asking for a GPU means torch, which gives the same vectors.
    if settings.backend == "sentence-transformers" or (settings.backend == "onnx" and settings.device != "cpu"):
        from rag.embedding.local import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(settings)
    if settings.backend == "onnx":
        from rag.embedding.onnx import OnnxEmbedder

        return OnnxEmbedder(settings, cache_dir=cache_dir)
    from rag.embedding.remote import RemoteEmbedder

    return RemoteEmbedder(settings)


__all__ = ["Embedder", "LazyEmbedder", "create_embedder", "model_name"]
