"""Words as BM25 sees them: bm25s's tokenizer and English stop list, stemmed by the project's one stemmer.

Documents and questions go through the same object, so both sides split words alike.
"""

from __future__ import annotations

from typing import Sequence

from rag.text.words import EnglishStemmer


class BM25Tokenizer:
    """Lower-cased, stopword-free, Snowball-stemmed word lists.

    >>> BM25Tokenizer().tokenize(["Erasing concepts from diffusion models"])
    [['eras', 'concept', 'from', 'diffus', 'model']]
    """

    def __init__(self, stemmer: EnglishStemmer | None = None) -> None:
        self.stemmer = stemmer or EnglishStemmer()

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        import bm25s

        if not texts:
            return []
        return bm25s.tokenize(list(texts), stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)
