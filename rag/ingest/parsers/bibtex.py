"""BibTeX files: entries that carry an ``abstract`` field become papers.

Hand-written rather than bibtexparser because we need, per entry, the line where it
starts and a rejection (not a silent drop or an exception) for a broken entry, while
the entries around it still parse; bibtexparser 1.x drops malformed entries silently
and 2.x is a different, still-beta API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rag.ingest.identity import normalize_arxiv_id
from rag.ingest.parsers.bibtex_names import split_bibtex_authors
from rag.ingest.parsers.fields import arxiv_url, clean_latex, clean_text, clean_url, parse_date, parse_year, strict_arxiv_id
from rag.ingest.parsers.reading import LineReader
from rag.types import PaperRecord, Rejection

_ENTRY_START = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
_LINE_ENTRY_START = re.compile(r"^\s*@\s*[A-Za-z][\w-]*\s*[{(]")
_KEY = re.compile(r"\s*([^,\s={}\"#]*)\s*,")
_FIELD_NAME = re.compile(r"([A-Za-z_][\w:.+/-]*)\s*=\s*")
_IDENT = re.compile(r"[A-Za-z_][\w:.+/-]*")
_NUMBER = re.compile(r"\d+")
_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s/]*(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.IGNORECASE)
_SKIPPED_TYPES = {"comment", "preamble"}
_MONTHS = {
    m: str(i)
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}


class _SyntaxProblem(Exception):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


class _OpenEntry:
    """An entry whose closing delimiter has not been seen yet."""

    def __init__(self, line: int, kind: str, opener: str) -> None:
        self.line = line
        self.kind = kind
        self.closer = "}" if opener == "{" else ")"
        self.depth = 0
        self.parts: list[str] = []

    def feed(self, text: str, pos: int) -> int | None:
        """Consume ``text`` from ``pos``; return the index after the closer, if reached."""
        i = pos
        while i < len(text):
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                self.depth += 1
            elif c == "}" and self.depth > 0:
                self.depth -= 1
            elif c == self.closer and self.depth == 0:
                self.parts.append(text[pos:i])
                return i + 1
            i += 1
        self.parts.append(text[pos:])
        return None

    def key_hint(self) -> str:
        match = _KEY.match("".join(self.parts)[:500])
        return match.group(1) if match and match.group(1) else f"starting at line {self.line}"


class _BodyReader:
    """Reads ``key, name = value, ...`` from the inside of one entry."""

    def __init__(self, text: str, strings: dict[str, str]) -> None:
        self.text = text
        self.pos = 0
        self.strings = strings

    def key(self) -> str | None:
        match = _KEY.match(self.text)
        if match and match.group(1):
            self.pos = match.end()
            return match.group(1)
        if "," not in self.text and "=" not in self.text:
            self.pos = len(self.text)
            # A key never holds whitespace; text that does is no key (it would also break the one-line error).
            text = self.text.strip()
            return text if text and not any(c.isspace() for c in text) else None
        return None

    def fields(self) -> dict[str, str]:
        out: dict[str, str] = {}
        while True:
            self._skip(" \t\r\n,")
            if self.pos >= len(self.text):
                return out
            match = _FIELD_NAME.match(self.text, self.pos)
            if not match:
                raise _SyntaxProblem(self.pos, "expected 'name = value'")
            self.pos = match.end()
            out.setdefault(match.group(1).lower(), self._value())

    def _skip(self, chars: str) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1

    def _value(self) -> str:
        pieces: list[str] = []
        while True:
            self._skip(" \t\r\n")
            c = self.text[self.pos : self.pos + 1]
            if c == "{":
                pieces.append(self._delimited("}"))
            elif c == '"':
                pieces.append(self._delimited('"'))
            elif c.isdigit():
                match = _NUMBER.match(self.text, self.pos)
                assert match is not None
                pieces.append(match.group(0))
                self.pos = match.end()
            else:
                match = _IDENT.match(self.text, self.pos)
                if not match:
                    raise _SyntaxProblem(self.pos, "expected a value in braces, quotes, a number or a @string name")
                pieces.append(self.strings.get(match.group(0).lower(), match.group(0)))
                self.pos = match.end()
            self._skip(" \t\r\n")
            if self.text.startswith("#", self.pos):
                self.pos += 1
                continue
            return "".join(pieces)

    def _delimited(self, closer: str) -> str:
        start = self.pos
        depth = 0
        i = self.pos + 1
        while i < len(self.text):
            c = self.text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}" and depth > 0:
                depth -= 1
            elif c == closer and depth == 0:
                self.pos = i + 1
                return self.text[start + 1 : i]
            i += 1
        raise _SyntaxProblem(start, f"value is missing its closing {closer!r}")


class BibtexParser:
    """Reads entries one by one; a broken entry is rejected and parsing goes on."""

    def parse(self, path: Path) -> Iterator[PaperRecord | Rejection]:
        reader = LineReader(path)
        source = reader.source
        strings: dict[str, str] = dict(_MONTHS)
        entry: _OpenEntry | None = None
        for raw in reader:
            yield from reader.drain()
            # A new "@type{" at the start of a line while an entry is still open means
            # that entry lost a closing brace; cut it off here so the rest still parses.
            if entry is not None and _LINE_ENTRY_START.match(raw):
                yield _unbalanced(source, entry)
                entry = None
            if entry is None and raw.lstrip().startswith("%"):
                continue  # a comment line; an "@" in it must not open an entry
            pos = 0
            while True:
                if entry is None:
                    match = _ENTRY_START.search(raw, pos)
                    if not match:
                        break
                    entry = _OpenEntry(reader.line_no, match.group(1).lower(), match.group(2))
                    pos = match.end()
                end = entry.feed(raw, pos)
                if end is None:
                    break
                yield from self._finish(source, entry, strings)
                entry, pos = None, end
        yield from reader.drain()
        if entry is not None:
            yield _unbalanced(source, entry)

    def _finish(self, source: str, entry: _OpenEntry, strings: dict[str, str]) -> Iterator[PaperRecord | Rejection]:
        if entry.kind in _SKIPPED_TYPES:
            return
        body = "".join(entry.parts)
        reader = _BodyReader(body, strings)
        key = None if entry.kind == "string" else reader.key()
        try:
            fields = reader.fields()
        except _SyntaxProblem as exc:
            line = entry.line + body.count("\n", 0, exc.pos)
            label = key or f"starting at line {entry.line}"
            yield Rejection(source, line, f"entry {label} is malformed ({exc.message}): fix its BibTeX syntax")
            return
        if entry.kind == "string":
            strings.update(fields)
            return
        yield _record(source, entry, key, fields)


def _unbalanced(source: str, entry: _OpenEntry) -> Rejection:
    return Rejection(
        source,
        entry.line,
        f"entry {entry.key_hint()} has unbalanced braces (a '{{' is never closed): fix it; "
        "the entries after it are still read",
    )


def _record(source: str, entry: _OpenEntry, key: str | None, fields: dict[str, str]) -> PaperRecord | Rejection:
    label = key or f"starting at line {entry.line}"
    title = clean_latex(fields.get("title", ""))
    abstract = clean_latex(fields.get("abstract", ""))
    if not abstract:
        return Rejection(source, entry.line, f"entry {label} has no abstract field: add abstract = {{...}} to use it")
    if not title:
        return Rejection(source, entry.line, f"entry {label} has no title field: add title = {{...}} to use it")

    arxiv_id = _arxiv_id(fields)
    doi = clean_url(fields.get("doi", "")) or None
    url = clean_url(fields.get("url", "")) or None
    if not url:
        url = arxiv_url(arxiv_id) if arxiv_id else (f"https://doi.org/{doi}" if doi else None)
    date = parse_date(fields.get("date"))
    primary = clean_text(fields.get("primaryclass", ""))
    return PaperRecord(
        title=title,
        abstract=abstract,
        source=source,
        authors=split_bibtex_authors(fields.get("author", "")),
        year=parse_year(fields.get("year")) or parse_year(date),
        date=date,
        categories=[primary] if primary else [],
        url=url,
        arxiv_id=arxiv_id,
        external_id=key,
        line=entry.line,
    )


def _arxiv_id(fields: dict[str, str]) -> str | None:
    eprint = clean_url(fields.get("eprint", ""))
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    if eprint and (archive == "arxiv" and normalize_arxiv_id(eprint) or strict_arxiv_id(eprint)):
        return normalize_arxiv_id(eprint)
    for name in ("arxiv", "arxivid", "arxiv_id"):
        found = normalize_arxiv_id(fields.get(name))
        if found:
            return found
    for name in ("journal", "note", "howpublished", "url"):
        match = _ARXIV_IN_TEXT.search(fields.get(name, ""))
        if match:
            return normalize_arxiv_id(match.group(1))
    return None
