"""Input parsers: turn files (listing pages, JSONL, CSV/TSV, BibTeX) into PaperRecords.

Every parser streams, and reports what it could not use as :class:`Rejection` objects
instead of raising, so one bad line never costs the rest of a file. Which parser reads a
file comes from its suffix (``rag.ingest.formats``), or from its content for ``.txt``
and unknown names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from rag.ingest.formats import format_for, unsupported_kind
from rag.ingest.parsers.bibtex import BibtexParser
from rag.ingest.parsers.jsonl import JsonlParser
from rag.ingest.parsers.reading import ReadError, decode_head, looks_binary, read_head
from rag.ingest.parsers.seed_page import SeedPageParser
from rag.ingest.parsers.tabular import CsvParser
from rag.types import PaperRecord, Rejection

__all__ = ["BibtexParser", "CsvParser", "JsonlParser", "Parser", "SeedPageParser", "parse_file", "parser_for", "sniff_kind"]

_EXPECTED = "expected a listing page, JSONL, CSV/TSV or BibTeX"


class Parser(Protocol):
    def parse(self, path: Path) -> Iterator[PaperRecord | Rejection]: ...


_CSV_HEADER = re.compile(r"^\ufeff?\"?\s*[\w \-\"]*([,\t;|][\w \-\"]*)+$")


def sniff_kind(name: str, text: str) -> str:
    """Which parser fits: by the suffix table first, by content for .txt and unknown names."""
    known = format_for(name)
    if known is not None and known.kind != "page":
        return known.kind
    stripped = text.lstrip()
    # '{"' or '[{' rather than a bare bracket: a listing page may open with "[2024] Title".
    if re.match(r'\{\s*["}]|\[\s*(?:[{\]]|$)', stripped):
        return "json"
    if re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", text, re.MULTILINE) and not stripped[:1].isalnum():
        return "bib"
    first_line = stripped.split("\n", 1)[0].strip()
    if _CSV_HEADER.match(first_line):
        columns = {c.strip().strip('"').lower() for c in re.split(r"[,\t;|]", first_line)}
        if "title" in columns and ({"abstract", "summary"} & columns):
            return "csv"
    return "page"


_PARSERS: dict[str, type[Parser]] = {
    "json": JsonlParser,
    "csv": CsvParser,
    "bib": BibtexParser,
    "page": SeedPageParser,
}


def parser_for(path: Path) -> Parser | Rejection:
    """The parser for ``path``, or a Rejection saying why the file cannot be read at all."""
    source = path.name
    if path.is_dir():
        return Rejection(source, None, "is a folder, not a file: pass it to iter_input_files to expand it")
    kind = unsupported_kind(source)
    if kind:
        # By name, before the content sniff: a text XML or Markdown file otherwise reads as a
        # listing page and comes back as "title with no abstract", which misleads.
        return Rejection(source, None, f"{kind} files are not supported; {_EXPECTED}")
    try:
        head = read_head(path)
    except (OSError, EOFError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return Rejection(source, None, f"cannot read file ({reason}): check that it exists, is readable and is not a corrupt .gz")
    except Exception as exc:  # noqa: BLE001 - zlib.error and friends from a damaged gzip stream
        return Rejection(source, None, f"cannot read file ({type(exc).__name__}: {exc}): re-download or re-compress it")
    if not head.strip():
        return Rejection(source, None, f"empty file: nothing to ingest; {_EXPECTED}")
    if looks_binary(head):
        return Rejection(source, None, f"binary file, not text: {_EXPECTED}")
    return _PARSERS[sniff_kind(source, decode_head(head))]()


def parse_file(path: str | Path) -> Iterator[PaperRecord | Rejection]:
    """Stream the records in one file; problems come out as Rejections, never exceptions."""
    path = Path(path)
    source = path.name
    parser = parser_for(path)
    if isinstance(parser, Rejection):
        yield parser
        return
    produced = False
    try:
        for item in parser.parse(path):
            produced = True
            yield item
    except ReadError as exc:
        produced = True
        yield Rejection(source, exc.line, exc.reason)
    except Exception as exc:  # noqa: BLE001
        # Last line of defence: a parser bug on odd input must not abort a whole ingest
        # run; the rejection names the file so the user can report or remove it.
        produced = True
        yield Rejection(source, None, f"could not parse file ({type(exc).__name__}: {exc}); {_EXPECTED}")
    if not produced:
        yield Rejection(source, None, f"no papers found in this file; {_EXPECTED}")
