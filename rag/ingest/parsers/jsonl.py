"""JSON Lines (arXiv metadata, Kaggle arXiv snapshot, generic) and small JSON arrays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.ingest.parsers.fields import record_from_fields
from rag.ingest.parsers.reading import LineReader
from rag.types import PaperRecord, Rejection

# Keys under which a whole-document .json commonly wraps its list of papers.
_LIST_KEYS = ("papers", "records", "data", "items", "results", "entries")
_DECODER = json.JSONDecoder()


def _loads(text: str) -> Any:
    """json.loads that turns pathological nesting into a ValueError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON is nested too deeply") from None


def _to_item(obj: Any, source: str, line: int | None) -> PaperRecord | Rejection:
    if not isinstance(obj, dict):
        kind = "array" if isinstance(obj, list) else type(obj).__name__
        return Rejection(source, line, f"expected a JSON object with 'title' and 'abstract', got a JSON {kind}")
    fields = {k.lower(): v for k, v in obj.items() if isinstance(k, str)}
    return record_from_fields(fields, source, line)


class JsonlParser:
    """One JSON object per line, streamed; or a ``.json`` document holding an array."""

    def parse(self, path: Path) -> Iterator[PaperRecord | Rejection]:
        reader = LineReader(path)
        lines = iter(reader)
        first = yield from reader.first_nonblank(lines)
        if first is None:
            return
        if self._is_document(path, first):
            yield from self._parse_document(reader, first, lines)
        else:
            yield from self._parse_lines(reader, first, lines)

    @staticmethod
    def _is_document(path: Path, first: str) -> bool:
        stripped = first.strip()
        if not path.name.lower().endswith((".json", ".json.gz")):
            # In a .jsonl file only a real array opening makes it a document: a damaged first
            # line that happens to start with "[" must not take the valid lines after it down.
            if stripped == "[" or stripped.startswith(("[{", "[ {")):
                return True
            try:
                return isinstance(_loads(stripped), list)
            except (ValueError, RecursionError):
                return False
        if stripped.startswith("["):
            return True
        # A pretty-printed object spans lines; a JSONL file's first line stands alone.
        try:
            _loads(stripped)
        except ValueError:
            return True
        return False

    def _parse_lines(self, reader: LineReader, first: str, lines: Iterator[str]) -> Iterator[PaperRecord | Rejection]:
        source = reader.source
        line_no = reader.line_no
        raw: str | None = first
        while raw is not None:
            text = raw.strip()
            if text:
                try:
                    obj = _loads(text)
                except ValueError as exc:
                    yield Rejection(source, line_no, f"malformed JSON ({_short(exc)}): fix or remove this line")
                else:
                    yield _to_item(obj, source, line_no)
            raw = next(lines, None)
            yield from reader.drain()
            line_no = reader.line_no

    def _parse_document(
        self, reader: LineReader, first: str, lines: Iterator[str]
    ) -> Iterator[PaperRecord | Rejection]:
        source = reader.source
        start_line = reader.line_no
        text = first + "".join(lines)
        yield from reader.drain()
        line_of = _LineCounter(text, start_line)
        pos = _skip_ws(text, 0)
        if text.startswith("[", pos):
            yield from self._parse_array(text, pos, source, line_of)
            return
        try:
            obj = _loads(text)
        except ValueError as exc:
            line = start_line + exc.lineno - 1 if isinstance(exc, json.JSONDecodeError) else start_line
            yield Rejection(source, line, f"malformed JSON document ({_short(exc)}): fix it or use one object per line")
            return
        if isinstance(obj, dict) and "title" not in {str(k).lower() for k in obj}:
            for key in _LIST_KEYS:
                if isinstance(obj.get(key), list):
                    for item in obj[key]:
                        yield _to_item(item, source, None)
                    return
        yield _to_item(obj, source, start_line)

    @staticmethod
    def _parse_array(text: str, pos: int, source: str, line_of: _LineCounter) -> Iterator[PaperRecord | Rejection]:
        # raw_decode element by element gives each paper its own line number.
        pos = _skip_ws(text, pos + 1)
        if text.startswith("]", pos):
            return
        while True:
            line = line_of(pos)
            try:
                obj, end = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                yield Rejection(source, line_of(exc.pos), f"malformed JSON ({_short(exc)}): the rest of the array is skipped")
                return
            except RecursionError:
                yield Rejection(source, line, "JSON is nested too deeply: the rest of the array is skipped")
                return
            yield _to_item(obj, source, line)
            pos = _skip_ws(text, end)
            if text.startswith(",", pos):
                pos = _skip_ws(text, pos + 1)
            elif text.startswith("]", pos):
                return
            else:
                yield Rejection(source, line_of(pos), "malformed JSON array: expected ',' or ']' after an element")
                return


class _LineCounter:
    """Maps increasing string offsets to 1-based line numbers without rescanning."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.pos = 0
        self.line = first_line

    def __call__(self, pos: int) -> int:
        if pos < self.pos:
            return self.line - self.text.count("\n", pos, self.pos)
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _short(exc: Exception) -> str:
    message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
    return message[:120]
