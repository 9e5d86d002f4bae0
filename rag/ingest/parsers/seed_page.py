"""Listing pages copied from a "trending papers" site: title line, then abstract line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rag.ingest.parsers.fields import clean_text
from rag.ingest.parsers.reading import LineReader
from rag.types import PaperRecord, Rejection

# Page chrome seen in saved listing pages; matched on the whole (case-folded) line.
_BOILERPLATE = {
    "new",
    "subscribe",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "byak and the research community",
    "upvote",
    "daily papers",
    "trending papers",
}
_DATE_LINE = re.compile(
    r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?$",
    re.IGNORECASE,
)
_COUNTER_LINE = re.compile(r"^[\d\s.,kK+·•-]*$")  # upvote/comment counts, bullets
# The compact layout glues the first title to the button text: "SubscribeDeep Human ...".
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=[A-Z0-9\"'(\[])")
_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]?\s+[A-Z(\"']")

# Seed titles are <= 140 chars and abstracts >= 500; 300 leaves wide margins both ways.
TITLE_MAX_CHARS = 300
_SHORT_ABSTRACT_MIN_CHARS = 100


def is_boilerplate(line: str) -> bool:
    folded = line.casefold()
    return folded in _BOILERPLATE or bool(_DATE_LINE.match(line)) or bool(_COUNTER_LINE.match(line))


def looks_like_abstract(line: str) -> bool:
    """Long text, or shorter text made of several full sentences."""
    if len(line) >= TITLE_MAX_CHARS:
        return True
    if len(line) < _SHORT_ABSTRACT_MIN_CHARS:
        return False
    return line.endswith((".", "!", "?", '."', ".)")) and bool(_SENTENCE_BREAK.search(line))


class SeedPageParser:
    """Pairs each title line with the abstract line that follows it.

    Works for both saved layouts (blank-line separated, and compact one-line-each),
    since blank lines and page chrome are skipped before pairing. Anything that does
    not pair up is reported as a rejection with its line number.
    """

    def parse(self, path: Path) -> Iterator[PaperRecord | Rejection]:
        reader = LineReader(path)
        source = reader.source
        pending_title: tuple[int, str] | None = None
        seen_paper = False
        for raw in reader:
            yield from reader.drain()
            line = clean_text(raw)
            if not line:
                continue
            if not seen_paper:
                line = _GLUED_SUBSCRIBE.sub("", line)
            if is_boilerplate(line):
                continue
            line_no = reader.line_no
            if looks_like_abstract(line):
                if pending_title is None:
                    yield Rejection(
                        source,
                        line_no,
                        "abstract with no title line before it: put the paper's title on the line above",
                    )
                    continue
                title_line, title = pending_title
                pending_title = None
                seen_paper = True
                yield PaperRecord(title=title, abstract=line, source=source, line=title_line)
            else:
                if pending_title is not None:
                    yield _orphan_title(source, *pending_title)
                pending_title = (line_no, line)
        yield from reader.drain()
        if pending_title is not None:
            yield _orphan_title(source, *pending_title, trailing=True)


def _orphan_title(source: str, line_no: int, title: str, trailing: bool = False) -> Rejection:
    where = "at the end of the page" if trailing else "followed by another title"
    shown = title if len(title) <= 80 else title[:77] + "..."
    return Rejection(
        source,
        line_no,
        f"title with no abstract ({where}): {shown!r}; add its abstract on the next line",
    )
