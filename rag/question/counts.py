"""How many papers a question says it is about: "the two codecs", "both", "the original and its follow-up".

A researcher who asks to compare "the two wavelet-based diffusion models" expects two papers,
not every paper the list cut would keep; the count the question states overrides the cut.

>>> stated_count("How do the two wavelet-based 3D diffusion models differ in the task they solve?")
2
>>> stated_count("Which three papers prune LLMs without retraining?")
3
>>> stated_count("Give me 3 papers on speculative decoding")
3
>>> stated_count("Which paper introduced Tree-Ring watermarks?")
1
>>> stated_count("Which of them looks at clinical tasks, and what trade-offs does it examine?")
1
>>> stated_count("Which papers use a two-stage training recipe?") is None
True
"""

from __future__ import annotations

import re

_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
# The number must count the papers themselves: it opens the question ("Two restoration methods: ..."),
# follows "the"/"which"/"these" ("the two codecs", "which three papers"), or heads a plural noun
# that names works ("two papers"). "two-stage", "two tasks", "two modalities" count something else.
_WORKS = r"(?:papers|works|studies|methods|approaches|models|techniques|frameworks|systems|algorithms|codecs|variants|versions)"
_COUNTED = re.compile(
    rf"(?:^\s*|\b(?:the|which|these|those|what|me|list|name|find)\s+)(?P<n>two|three|four|five|[2-5])\s+(?!-)(?:[\w\-]+\s+){{0,5}}?{_WORKS}\b"
    rf"|^\s*(?P<opening>two|three|four|five)\s+(?!-)[\w\-]+",
    re.I,
)
_BOTH = re.compile(r"^\s*both\b|\bhow\s+do\s+both\b|\bcompare\s+both\b|\bboth\s+(?:\S+\s+){0,4}?" + _WORKS + r"\b", re.I)
# One paper and its successor: "the original ... and its follow-up", "the later, extended version differ from the original".
_ORIGINAL_AND_LATER = re.compile(
    r"\boriginal\b.*\b(?:follow-?up|extension|successor|later|second\s+version|newer|extended)\b|"
    r"\b(?:follow-?up|extension|successor|later|second\s+version|newer|extended)\b.*\boriginal\b|"
    r"\bsecond\s+version\b.*\b(?:first|original)\b|\bits\s+(?:later\s+|adaptive\s+)*(?:follow-?up|extension|successor)\b", re.I)


# "Which paper introduced Tree-Ring watermarks?": one paper is the origin of a named idea.
_ORIGIN = re.compile(r"^\s*(?:which|what)\s+(?:paper|work|study|article)\s+(?:first\s+)?(?:introduced|proposed|presented|invented|coined|originated)\b", re.I)


# "Which of them looks at clinical tasks, and what trade-offs does it examine?": a singular verb, then "it": one paper.
_ONE_OF_THEM = re.compile(r"^\s*(?:and\s+)?which\s+(?:one\s+)?of\s+(?:them|these|those)\s+(?:is|was|has|does|[a-z]+(?<!ss)(?<!us)s)\b.*\b(?:it|its)\b", re.I)


def stated_count(question: str) -> int | None:
    """The number of papers the question names as its subject, or None when it states none."""
    if _ORIGIN.search(question) or _ONE_OF_THEM.search(question):
        return 1
    match = _COUNTED.search(question)
    if match:
        return _NUMBERS[(match.group("n") or match.group("opening")).lower()]
    if _BOTH.search(question) or _ORIGINAL_AND_LATER.search(question):
        return 2
    return None
