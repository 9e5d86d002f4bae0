"""The interface every embedding backend implements, and the token counting they share."""

from __future__ import annotations

import copy
import json
from functools import cached_property
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    ``name`` and ``dimension`` are recorded in the collection so that a store is never
    filled by two different models. ``tokenize`` splits text in the model's own tokenizer
    so that chunking can keep every chunk inside ``max_tokens``.
    """

    name: str
    # Which encoder made the vectors (torch-cpu, onnx-fp32, onnx-int8, remote): recorded in the
    # store next to ``name``; equivalent encoders share a name, so this is the finer record.
    variant: str
    dimension: int
    max_tokens: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of what is embedded at question time (the question, the sentences an answer compares
        with it): ``embed``'s, except where a fast approximate encoder filled the collection's chunks."""
        ...

    def tokenize(self, text: str) -> list[int]: ...


class SameEncoderForQueries:
    """``embed_query`` is ``embed``: one encoder for the collection and for questions."""

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)


class HFTokenized:
    """``tokenize`` through a Hugging Face tokenizer held in ``self.tokenizer`` (every backend has one)."""

    tokenizer: object

    @cached_property
    def counting_tokenizer(self):
        """A private copy of ``tokenizer`` for ``tokenize``.

        A Hugging Face fast tokenizer keeps padding and truncation as state on its one Rust
        object and resets that state on every call. Ingest counts tokens (no truncation, no
        padding) in its reading thread while the main thread encodes padded batches, so on a
        shared object a count could strip a batch's padding mid-call ("Unable to create
        tensor ...") or undo its truncation. Each job gets its own object instead.
        """
        return copy.deepcopy(self.tokenizer)

    def tokenize(self, text: str) -> list[int]:
        """Token ids without special tokens and without truncation: what a chunk really costs."""
        return self.counting_tokenizer.encode(text, add_special_tokens=False, truncation=False, verbose=False)


def max_seq_length(location: str, tokenizer) -> int:
    """The model's window: sentence-transformers' own setting when the folder has one, else the tokenizer's."""
    config = Path(location) / "sentence_bert_config.json"
    if config.is_file():
        value = json.loads(config.read_text()).get("max_seq_length")
        if value:
            return int(value)
    return int(min(tokenizer.model_max_length, 512))
