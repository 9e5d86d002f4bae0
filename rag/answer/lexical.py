"""Content words of a question, for lexical overlap and follow-up rewriting."""

from __future__ import annotations

import re

# A short English stop list (bm25s ships one too, but only inside its tokenizer; we need
# the words themselves to decide which question terms carry meaning).
STOPWORDS = frozenset(
    """a an the and or but if then than that this these those there here of in on at to for from by with without
    into onto over under about as is are was were be been being do does did doing have has had having it its it's
    they them their theirs we our us you your i me my he she his her which what who whom whose when where why how
    can could would should will shall may might must not no nor so such too very also just only any some each every
    all both either neither one two more most other another same own out up down off again further once via per
    paper papers method methods approach model models work study propose proposed using use used based reported report
    reports show shows does doing get gets what's which's""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]|\d+(?:[.,]\d+)*%?")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, numbers kept whole ("2.38", "24,695")."""
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Words that carry meaning: not stop words, longer than two characters, first occurrence only."""
    return list(dict.fromkeys(w for w in words(text) if w not in STOPWORDS and len(w) > 2))


class Stems:
    """Snowball stems via PyStemmer (already a dependency of BM25), so "masks"/"mask" match."""

    def __init__(self):
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")

    def run(self, tokens: list[str]) -> set[str]:
        return set(self._stemmer.stemWords(tokens))
