"""Citation markers: ``[1]``, ``[1, 3]``, ``[2–4]``. The one grammar that writes, reads, checks and shows them.

>>> find_markers("as [1] and [2–4] show")[1].numbers
[2, 3, 4]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# A marker is a bracketed list of numbers separated by commas or semicolons, each item
# possibly a range with a hyphen or an en dash.
MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]")
_LEADING_SPACE_MARKER = re.compile(r"\s*" + MARKER.pattern)
_ITEM_SEPARATOR = re.compile(r"\s*[,;]\s*")
_RANGE_DASH = re.compile(r"\s*[–-]\s*")
# "[1-1000]" is a typo or an attack, not a thousand citations.
MAX_RANGE = 10


@dataclass(frozen=True)
class Marker:
    """One marker in a text: where it stands and the source numbers it names, in order."""

    start: int
    end: int
    numbers: list[int]


def marker_numbers(group: str) -> list[int]:
    """The numbers inside one marker's brackets.

    >>> marker_numbers("1, 3"), marker_numbers("2-4"), marker_numbers("1-1000")
    ([1, 3], [2, 3, 4], [1, 1000])
    """
    out: list[int] = []
    for item in _ITEM_SEPARATOR.split(group.strip()):
        bounds = _RANGE_DASH.split(item)
        if len(bounds) == 2 and 0 < int(bounds[1]) - int(bounds[0]) <= MAX_RANGE:
            out.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            out.extend(int(b) for b in bounds)
    return out


def find_markers(text: str) -> list[Marker]:
    """Every marker of ``text``, left to right."""
    return [Marker(m.start(), m.end(), marker_numbers(m.group(1))) for m in MARKER.finditer(text or "")]


def cited_numbers(text: str) -> list[int]:
    """All numbers the markers of ``text`` name, in order (repeats kept).

    >>> cited_numbers("A [1]. B [2, 3].")
    [1, 2, 3]
    """
    return [n for marker in find_markers(text) for n in marker.numbers]


def count_markers(text: str) -> int:
    """How many citations ``text`` makes: ``[1]`` counts 1, ``[1, 3]`` counts 2, ``[2–4]`` counts 3."""
    return len(cited_numbers(text))


def strip_markers(text: str) -> str:
    """The text without its markers (and the space before each).

    >>> strip_markers("It is 2x faster [1][2].")
    'It is 2x faster.'
    """
    return _LEADING_SPACE_MARKER.sub("", text or "").strip()


def defuse_markers(text: str) -> str:
    """Paper text with its own markers shown as ``(n)``.

    Abstracts are untrusted data: a planted "[7]" or a fake "Sources: [1] ..." block must
    not read as one of our numbered source labels, to a model or to the citation check.

    >>> defuse_markers("as shown in [7] and [1, 2]")
    'as shown in (7) and (1, 2)'
    """
    return MARKER.sub(lambda m: "(" + m.group(0)[1:-1] + ")", text or "")


def cite(sentence: str, number: int) -> str:
    """Put the marker ``[number]`` before the closing full stop.

    >>> cite("It is 64.38%.", 1)
    'It is 64.38% [1].'
    """
    sentence = sentence.rstrip()
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{number}]{sentence[-1]}"
    return f"{sentence} [{number}]"


def rewrite_markers(text: str, replace: Callable[[list[int]], list[int]]) -> str:
    """Each marker replaced by ``[n]`` markers for the numbers ``replace`` returns (none: the marker goes).

    Spacing left behind by a removed marker is tidied, so "faster [9]." becomes "faster.".

    >>> rewrite_markers("A [2, 9]. B [2].", lambda ns: [n - 1 for n in ns if n < 5])
    'A [1]. B [1].'
    """
    text = MARKER.sub(lambda m: "".join(f"[{n}]" for n in replace(marker_numbers(m.group(1)))), text or "")
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
