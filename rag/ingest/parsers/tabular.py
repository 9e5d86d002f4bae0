"""CSV / TSV with a header row naming at least ``title`` and ``abstract`` columns."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from rag.ingest.parsers.fields import record_from_fields
from rag.ingest.parsers.reading import LineReader
from rag.types import PaperRecord, Rejection

# The default 128 KiB limit rejects legitimately long cells (full-text exports); a cap
# still matters because an unclosed quote would otherwise swallow the rest of the file.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
_DELIMITERS = ("\t", ",", ";", "|")
_TITLE_COLUMNS = {"title", "paper_title"}
_ABSTRACT_COLUMNS = {"abstract", "summary"}


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().strip('"').strip().lower())


def sniff_delimiter(header_line: str, path: Path) -> str:
    """Pick the delimiter that splits the header most; ties favour the file extension."""
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    preferred = "\t" if ".tsv" in path.name.lower() else ","
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == preferred))
    return best if counts[best] else preferred


class CsvParser:
    """Streams rows of a CSV/TSV file; the delimiter is sniffed from the header."""

    def parse(self, path: Path) -> Iterator[PaperRecord | Rejection]:
        csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
        reader = LineReader(path)
        source = reader.source
        lines = iter(reader)
        header_line = yield from reader.first_nonblank(lines)
        if header_line is None:
            return
        delimiter = sniff_delimiter(header_line, path)
        header_line_no = reader.line_no
        try:
            header = next(csv.reader([header_line], delimiter=delimiter))
        except csv.Error as exc:
            yield Rejection(source, header_line_no, f"unreadable CSV header ({exc}): fix the first line")
            return
        keys = [_header_key(h) for h in header]
        if not (_TITLE_COLUMNS & set(keys) and _ABSTRACT_COLUMNS & set(keys)):
            found = ", ".join(repr(h.strip()) for h in header[:12] if h.strip()) or "none"
            yield Rejection(
                source,
                header_line_no,
                f"no 'title' and 'abstract' columns (found: {found}): "
                "add a header row with at least title and abstract columns",
            )
            return

        rows = csv.reader(lines, delimiter=delimiter)
        while True:
            start = reader.line_no + 1
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                yield from reader.drain()
                yield Rejection(source, start, f"unreadable CSV row ({exc}): check its quoting")
                if reader.line_no < start:  # the reader made no progress; stop rather than spin
                    break
                continue
            yield from reader.drain()
            if not any(cell.strip() for cell in row):
                continue
            extra = row[len(keys):]
            if any(cell.strip() for cell in extra):
                yield Rejection(
                    source,
                    start,
                    f"row has {len(row)} fields but the header has {len(keys)}: "
                    f"quote fields that contain {delimiter!r}",
                )
                continue
            fields: dict[str, str] = {}
            for key, cell in zip(keys, row):
                if key and cell.strip() and key not in fields:
                    fields[key] = cell
            yield record_from_fields(fields, source, start)
        yield from reader.drain()
