"""How topical a word is: whether it names what a text is about ("video", "watermark") or only says something about it ("get", "avoid").

A question the collection cannot answer usually shares most of its words with some paper and
lacks one topic word ("erase concepts from *text-to-video* diffusion models", where every paper
on erasing is about images). IDF alone does not single that word out: "avoid" and "video" are
about equally rare in a few hundred abstracts. How bursty a word is across many abstracts does:
an abstract about video says "video" again and again; one that avoids something says so once.

>>> topicality = Topicality.load()
>>> topicality.weight("video"), topicality.weight("avoid"), topicality.weight("zorblax")
(1.0, 0.0, 1.0)
"""

from __future__ import annotations

import gzip
from pathlib import Path

from rag.errors import UserError

TABLE = Path(__file__).with_name("topicality.tsv.gz")
# Burstiness (occurrences per abstract that uses the word) at which a word counts as not topical at all,
# and the range above it over which it becomes fully topical; from reading the table (get 1.09, avoid 1.07,
# speedup 1.17; graph 2.66, video 3.86, watermark 5.49), not fitted.
NOT_TOPICAL = 1.1
FULLY_TOPICAL = 1.7


class Topicality:
    """Term → weight in [0, 1]; a term the table lacks (rare, or bursty) weighs 1."""

    def __init__(self, burstiness: dict[str, float]):
        self.burstiness = burstiness

    @classmethod
    def load(cls, path: str | Path | None = None) -> Topicality:
        """The table built by ``eval/build_topicality.py`` (the packaged one by default)."""
        location = path or TABLE
        burstiness: dict[str, float] = {}
        try:
            with gzip.open(location, "rt", encoding="utf-8") as f:
                for line in f:
                    if not line.startswith("#"):
                        term, _, value = line.rstrip("\n").partition("\t")
                        burstiness[term] = float(value)
        except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
            raise UserError(f"cannot read the topicality table {location} ({type(exc).__name__}); set answer.topicality_path to a "
                            "gzipped 'stem<TAB>burstiness' file from eval/build_topicality.py, or to null for the packaged one") from None
        return cls(burstiness)

    def weight(self, term: str) -> float:
        b = self.burstiness.get(term)
        if b is None:
            return 1.0
        return min(1.0, max(0.0, (b - NOT_TOPICAL) / (FULLY_TOPICAL - NOT_TOPICAL)))
