"""Content words and the one stemmer (also the one bm25s uses)."""

from rag.storage.bm25 import BM25Tokenizer
from rag.text.words import EnglishStemmer, content_words, words


def test_words_keep_numbers_whole_and_content_words_drop_stop_words():
    assert words("Medusa gets 2.2x, 24,695 tokens") == ["medusa", "gets", "2.2", "24,695", "tokens"]
    assert content_words("Which papers propose a method for the erasure of concepts?") == ["erasure", "concepts"]


def test_one_stemmer_for_answers_and_bm25():
    stemmer = EnglishStemmer()
    assert stemmer.stem_set(["masks", "mask"]) == {"mask"}
    assert BM25Tokenizer(stemmer).tokenize(["masks"]) == [stemmer.stem(["masks"])]
