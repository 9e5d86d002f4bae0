"""Words that carry meaning, and the one English stemmer (PyStemmer, also BM25's).

>>> content_words("Which papers speed up LLM inference?")
['speed', 'llm', 'inference']
"""

from __future__ import annotations

import re
from typing import Iterable

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
    return [w.lower() for w in _WORD.findall(text or "")]


def spoken_list(items: Iterable[str], conjunction: str = "and") -> str:
    """Items joined as a reader says them: "A", "A and B", "A, B and C" (or "or").

    >>> spoken_list(["SparseGPT", "Wanda"], "or"), spoken_list(["Ada", "Bo", "2 others"])
    ('SparseGPT or Wanda', 'Ada, Bo and 2 others')
    """
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def content_words(text: str) -> list[str]:
    """Words that carry meaning: not stop words, longer than two characters, first occurrence only."""
    return list(dict.fromkeys(w for w in words(text) if w not in STOPWORDS and len(w) > 2))


def name_pattern(name: str, flags: int = 0, suffix: str = "") -> re.Pattern[str]:
    """``name`` as a whole word: not inside a longer word or a hyphenated name ("EAGLE" is not in "EAGLE-2").

    ``suffix`` is a regex allowed after the name (``"s?"`` for a plural).

    >>> bool(name_pattern("MoE++").search("MoE++ skips tokens")), bool(name_pattern("EAGLE").search("EAGLE-2 is fast"))
    (True, False)
    """
    return re.compile(r"(?<![\w-])" + re.escape(name) + suffix + r"(?![\w-])", flags)


class EnglishStemmer:
    """Snowball stems via PyStemmer, so "masks" and "mask" match.

    It offers PyStemmer's own ``stemWords`` too, so bm25s's tokenizer can use this same object.

    >>> sorted(EnglishStemmer().stem_set(["masks", "mask", "erasing"]))
    ['eras', 'mask']
    """

    def __init__(self) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")

    def stem(self, tokens: Iterable[str]) -> list[str]:
        return self._stemmer.stemWords(list(tokens))

    def stem_set(self, tokens: Iterable[str]) -> set[str]:
        return set(self.stem(tokens))

    def stemWords(self, tokens: list[str]) -> list[str]:  # the name bm25s calls
        return self.stem(tokens)
