"""Sentence-aware chunking that keeps the title with every chunk and fits the model window."""

from __future__ import annotations

from typing import Callable

from llama_index.core.node_parser import SentenceSplitter

from rag.settings import ChunkingSettings

# [CLS] and [SEP] (or the model's equivalents) are added to every input.
_SPECIAL_TOKENS = 2


class TitleChunker:
    """Splits an abstract into chunks of at most ``max_tokens`` model tokens, title included.

    Counting is done with the embedding model's own tokenizer: a chunk that overflows
    the window would be cut off silently by the model.
    """

    def __init__(self, settings: ChunkingSettings, tokenize: Callable[[str], list], model_max_tokens: int):
        self.max_tokens = min(settings.max_tokens, model_max_tokens)
        self.overlap = settings.overlap_tokens
        self.tokenize = tokenize

    def _title_prefix(self, title: str) -> str:
        # A pathological title could eat the whole window; keep at most half of it.
        limit = self.max_tokens // 2
        words = title.split()
        while words and len(self.tokenize(" ".join(words))) > limit:
            words = words[:-1]
        return " ".join(words)

    def split(self, title: str, abstract: str) -> list[str]:
        prefix = self._title_prefix(title)
        budget = self.max_tokens - _SPECIAL_TOKENS - len(self.tokenize(prefix)) - 1
        if len(self.tokenize(abstract)) <= budget:
            return [f"{prefix}\n{abstract}"]
        splitter = SentenceSplitter(
            chunk_size=budget, chunk_overlap=min(self.overlap, budget // 4), tokenizer=self.tokenize
        )
        pieces = []
        for piece in splitter.split_text(abstract):
            pieces.extend(self._hard_split(piece, budget))
        return [f"{prefix}\n{piece}" for piece in pieces if piece.strip()]

    def _hard_split(self, text: str, budget: int) -> list[str]:
        """Word-level fallback for a single 'sentence' longer than the window."""
        if len(self.tokenize(text)) <= budget:
            return [text]
        out, current = [], []
        for word in text.split():
            if current and len(self.tokenize(" ".join(current + [word]))) > budget:
                out.append(" ".join(current))
                current = []
            current.append(word)
        if current:
            out.append(" ".join(current))
        return out
