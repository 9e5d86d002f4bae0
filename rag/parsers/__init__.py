"""Input parsers: turn files (listing pages, JSONL, CSV/TSV, BibTeX) into PaperRecords.

Every parser streams, and reports what it could not use as :class:`Rejection` objects
instead of raising, so one bad line never costs the rest of a file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from rag.errors import UserError
from rag.parsers.bibtex import BibtexParser
from rag.parsers.common import ReadError, decode_head, looks_binary, read_head
from rag.parsers.jsonl import JsonlParser
from rag.parsers.seed_page import SeedPageParser
from rag.parsers.tabular import CsvParser
from rag.records import PaperRecord, Rejection

__all__ = [
    "BibtexParser",
    "CsvParser",
    "JsonlParser",
    "KNOWN_SUFFIXES",
    "Parser",
    "SeedPageParser",
    "iter_input_files",
    "parse_file",
    "parser_for",
]

KNOWN_SUFFIXES = (
    ".txt",
    ".jsonl",
    ".json",
    ".jsonl.gz",
    ".json.gz",
    ".csv",
    ".tsv",
    ".csv.gz",
    ".tsv.gz",
    ".bib",
)
_EXPECTED = "expected a listing page, JSONL, CSV/TSV or BibTeX"


class Parser(Protocol):
    def parse(self, path: Path) -> Iterator[PaperRecord | Rejection]: ...


def _has_known_suffix(path: Path) -> bool:
    return path.name.lower().endswith(KNOWN_SUFFIXES)


def iter_input_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to ingest: named files as given, folders expanded recursively.

    Folders contribute only files with a known extension, sorted, skipping hidden
    files and folders; a file named explicitly is kept whatever its extension.
    Raises UserError for a path that does not exist.
    """
    found: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(path)

    for item in paths:
        path = Path(item).expanduser()
        if path.is_dir():
            for sub in _walk(path):
                add(sub)
        elif path.is_file():
            add(path)
        elif path.exists():
            # A FIFO or device would block or never end when read.
            raise UserError(f"not a regular file or folder: {item} — pass a file or folder of papers")
        else:
            raise UserError(f"path not found: {item} — check the path or pass a file or folder that exists")
    return found


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    # os.walk does not follow directory symlinks, so a link loop cannot recurse forever.
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = Path(root) / name
            if not name.startswith(".") and _has_known_suffix(path) and path.is_file():
                files.append(path)
    return sorted(files, key=lambda p: p.relative_to(folder).parts)


_CSV_HEADER = re.compile(r"^\ufeff?\"?\s*[\w \-\"]*([,\t;|][\w \-\"]*)+$")


def _sniff_kind(name: str, text: str) -> str:
    """Which parser fits: by extension first, by content for .txt and unknown names."""
    lower = name.lower()
    for suffixes, kind in (
        ((".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson"), "json"),
        ((".csv", ".tsv", ".csv.gz", ".tsv.gz"), "csv"),
        ((".bib", ".bib.gz"), "bib"),
    ):
        if lower.endswith(suffixes):
            return kind
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
    try:
        head = read_head(path)
    except (OSError, EOFError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return Rejection(source, None, f"cannot read file ({reason}): check that it exists, is readable and is not a corrupt .gz")
    except Exception as exc:  # zlib.error and friends from a damaged gzip stream
        return Rejection(source, None, f"cannot read file ({type(exc).__name__}: {exc}): re-download or re-compress it")
    if not head.strip():
        return Rejection(source, None, f"empty file: nothing to ingest; {_EXPECTED}")
    if looks_binary(head):
        return Rejection(source, None, f"binary file, not text: {_EXPECTED}")
    return _PARSERS[_sniff_kind(source, decode_head(head))]()


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
