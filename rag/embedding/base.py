"""The interface every embedding backend implements."""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    ``name`` and ``dimension`` are recorded in the collection so that a store is never
    filled by two different models. ``count_tokens`` counts in the model's own tokenizer
    so that chunking can keep every chunk inside ``max_tokens``.
    """

    name: str
    dimension: int
    max_tokens: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...
