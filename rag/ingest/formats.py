"""The one table of input formats: which file names hold papers, and how each is read.

The folder walk, the parser choice, the progress estimate and the chat's upload box all
read this table, so a format one of them accepts is accepted by all of them.

>>> format_for("papers.ndjson").kind, format_for("refs.bib.gz").kind, format_for("notes.pdf")
('json', 'bib', None)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputFormat:
    """How files with one suffix are read.

    ``kind`` names the parser ('json', 'csv', 'bib', or 'page' for listing pages, which
    are recognised by content). ``lines`` is true when a file holds about one paper per
    line (a cheap count for the progress bar); ``header`` when its first line is a header.
    """

    suffix: str
    kind: str
    lines: bool = False
    header: bool = False


# Longest suffixes first, so "x.jsonl.gz" is not taken for a plain ".gz".
FORMATS: tuple[InputFormat, ...] = (
    InputFormat(".jsonl.gz", "json", lines=True),
    InputFormat(".ndjson.gz", "json", lines=True),
    InputFormat(".json.gz", "json", lines=True),
    InputFormat(".csv.gz", "csv", lines=True, header=True),
    InputFormat(".tsv.gz", "csv", lines=True, header=True),
    InputFormat(".bib.gz", "bib"),
    InputFormat(".jsonl", "json", lines=True),
    InputFormat(".ndjson", "json", lines=True),
    InputFormat(".json", "json"),
    InputFormat(".csv", "csv", lines=True, header=True),
    InputFormat(".tsv", "csv", lines=True, header=True),
    InputFormat(".bib", "bib"),
    # A .txt file is sniffed: a listing page, or JSONL/CSV/BibTeX saved under a plain name.
    InputFormat(".txt", "page"),
)

SUFFIXES: tuple[str, ...] = tuple(f.suffix for f in FORMATS)

# Formats people try that hold papers we cannot read; named so the user hears why.
UNSUPPORTED = {".pdf": "PDF", ".xml": "XML", ".md": "Markdown", ".html": "HTML", ".htm": "HTML", ".docx": "Word", ".zip": "zip"}


def format_for(name: str) -> InputFormat | None:
    """The format a file name announces, or None when its suffix is not in the table."""
    lower = name.lower()
    return next((f for f in FORMATS if lower.endswith(f.suffix)), None)


def unsupported_kind(name: str) -> str | None:
    """'PDF', 'XML', ... for a file type we know and cannot read; None otherwise."""
    lower = name.lower()
    return next((kind for suffix, kind in UNSUPPORTED.items() if lower.endswith(suffix)), None)


def describe_supported() -> str:
    """The suffixes as one line for help texts and error messages."""
    return ", ".join(SUFFIXES)
