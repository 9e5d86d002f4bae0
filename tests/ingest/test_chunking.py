"""TitleChunker with the real model tokenizer: the title in every chunk, no chunk over the window."""

import pytest

from rag.ingest.chunking import TitleChunker
from rag.settings import ChunkingSettings


@pytest.fixture(scope="module")
def tokenize():
    from rag.embedding.local import SentenceTransformerEmbedder
    from rag.settings import EmbeddingSettings

    return SentenceTransformerEmbedder(EmbeddingSettings()).tokenize


def test_short_abstract_is_one_chunk_with_its_title(tokenize):
    chunks = TitleChunker(ChunkingSettings(), tokenize, 256).split("Medusa", "We add decoding heads. It is fast.")
    assert chunks == ["Medusa\nWe add decoding heads. It is fast."]


def test_long_abstract_splits_within_the_window_and_keeps_the_title(tokenize):
    abstract = " ".join(f"Sentence number {i} describes one more experimental result on benchmark {i}." for i in range(60))
    chunker = TitleChunker(ChunkingSettings(max_tokens=128, overlap_tokens=16), tokenize, 256)
    chunks = chunker.split("A Study of Many Results", abstract)
    assert len(chunks) > 3
    assert all(c.startswith("A Study of Many Results\n") for c in chunks)
    assert max(len(tokenize(c)) + 2 for c in chunks) <= 128  # +2: [CLS] and [SEP]


def test_one_giant_sentence_is_cut_by_words(tokenize):
    chunker = TitleChunker(ChunkingSettings(max_tokens=64, overlap_tokens=0), tokenize, 256)
    chunks = chunker.split("T", "word " * 400)
    assert len(chunks) > 5 and max(len(tokenize(c)) + 2 for c in chunks) <= 64


def test_a_pathological_title_keeps_room_for_the_abstract(tokenize):
    chunker = TitleChunker(ChunkingSettings(max_tokens=64, overlap_tokens=0), tokenize, 256)
    chunks = chunker.split("very long title " * 50, "The abstract itself.")
    assert all(len(tokenize(c)) + 2 <= 64 for c in chunks) and chunks[-1].endswith("The abstract itself.")
