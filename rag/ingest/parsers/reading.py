"""Reading input files safely: gzip by magic bytes, a bounded head for sniffing, and a line reader
that never loses a file to one bad line."""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Generator

from rag.types import Rejection

GZIP_MAGIC = b"\x1f\x8b"
# One entry is a few KB; a line beyond this is corrupt data, and refusing it keeps
# memory bounded even for a multi-GB file without newlines.
MAX_LINE_BYTES = 16 * 1024 * 1024

_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_READ_ERRORS = (OSError, EOFError, zlib.error)

class ReadError(Exception):
    """The file itself could not be read past some line (e.g. truncated gzip)."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for binary reading, decompressing gzip by magic bytes, not by name."""
    raw = open(path, "rb")  # returned to the caller, who closes it
    try:
        magic = raw.read(2)
        raw.seek(0)
    except OSError:
        raw.close()
        raise
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def read_head(path: Path, size: int = 64 * 1024) -> bytes:
    """The first ``size`` bytes of the (decompressed) file.

    A damaged gzip stream still yields the bytes before the damage, so the file's
    good lines get parsed and the damage is reported at its line.
    """
    chunks: list[bytes] = []
    got = 0
    with open_binary(path) as fh:
        while got < size:
            try:
                chunk = fh.read(min(8192, size - got))
            except _READ_ERRORS:
                if chunks:
                    break
                raise
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    return b"".join(chunks)


def is_utf16(head: bytes) -> bool:
    return head.startswith(_UTF16_BOMS)


def decode_head(head: bytes) -> str:
    """Best-effort text of a file's first bytes, only for sniffing the format."""
    # UTF-32-LE's BOM starts with UTF-16-LE's, so test it first.
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return head.decode("utf-32", errors="replace")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def looks_binary(head: bytes) -> bool:
    """True for data that is not text: NUL bytes or many control characters."""
    if is_utf16(head):
        return False
    # NUL counts like any control byte: one stray NUL line in a text export must not
    # throw away the whole file (LineReader rejects just that line).
    controls = sum(1 for b in head if _is_control(b))
    if controls <= max(4, len(head) // 20):
        return False
    # Control-heavy, but one clean UTF-8 line means a text file with damaged lines, whose
    # good lines must still ingest; random or compressed bytes essentially never hold one.
    return not any(_is_clean_text_line(line) for line in head.split(b"\n")[:-1])


def _is_control(byte: int) -> bool:
    return byte < 32 and byte not in (9, 10, 12, 13) or byte == 127


def _is_clean_text_line(line: bytes) -> bool:
    if len(line.strip()) < 20 or any(_is_control(b) for b in line):
        return False
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class LineReader:
    """Streams decoded lines of a plain or gzip file, one at a time.

    Lines that are not UTF-8 are decoded as cp1252 (then latin-1, which never fails)
    so a single stray byte does not lose a whole file. Lines that cannot be used at
    all (NUL bytes, absurd length) are skipped and queued in ``pending`` as
    rejections; parsers yield them via :meth:`drain`, so they stay in file order.
    """

    def __init__(self, path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.path = path
        self.source = path.name
        self.max_line_bytes = max_line_bytes
        self.line_no = 0
        self.pending: list[Rejection] = []

    def drain(self) -> list[Rejection]:
        out, self.pending = self.pending, []
        return out

    def first_nonblank(self, lines: Iterator[str]) -> Generator[Rejection, None, str | None]:
        """Skip leading blank lines, passing on the rejections met; return the first real line or None.

        Use as ``first = yield from reader.first_nonblank(lines)`` inside a parser.
        """
        first = None
        for raw in lines:
            yield from self.drain()
            if raw.strip():
                first = raw
                break
        yield from self.drain()
        return first

    def __iter__(self) -> Iterator[str]:
        with open_binary(self.path) as fh:
            try:
                first = fh.peek(4)[:4] if hasattr(fh, "peek") else b""
            except _READ_ERRORS as exc:
                raise self._read_error(exc) from exc
            if is_utf16(first):
                yield from self._iter_wide(fh)
            else:
                yield from self._iter_bytes(fh)

    def _read_error(self, exc: BaseException) -> ReadError:
        return ReadError(
            self.line_no + 1,
            f"file is truncated or corrupt after line {self.line_no} ({exc}): "
            "re-download or re-compress it",
        )

    def _iter_bytes(self, fh: IO[bytes]) -> Iterator[str]:
        while True:
            try:
                raw = fh.readline(self.max_line_bytes + 1)
            except _READ_ERRORS as exc:
                raise self._read_error(exc) from exc
            if not raw:
                return
            self.line_no += 1
            if len(raw) > self.max_line_bytes and not raw.endswith(b"\n"):
                self._skip_rest_of_line(fh)
                self._reject(f"line is longer than {self.max_line_bytes // 2**20} MiB: split it or remove it")
                continue
            if b"\x00" in raw:
                self._reject("line contains NUL bytes (binary data): remove it or re-export the file as text")
                continue
            text = self._decode(raw)
            if self.line_no == 1:
                text = text.lstrip("\ufeff")
            yield from self._split_bare_cr(text)

    def _iter_wide(self, fh: IO[bytes]) -> Iterator[str]:
        # Excel's "Unicode text" export is UTF-16 with a BOM; the codec reads the BOM.
        head = fh.peek(4)[:4] if hasattr(fh, "peek") else b""
        encoding = "utf-32" if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) else "utf-16"
        text_fh = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")  # type: ignore[arg-type]
        while True:
            try:
                text = text_fh.readline(self.max_line_bytes)
            except _READ_ERRORS as exc:
                raise self._read_error(exc) from exc
            if not text:
                return
            self.line_no += 1
            yield text

    def _decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    def _split_bare_cr(self, text: str) -> Iterator[str]:
        # Old Mac files end lines with a bare CR; without this a whole file is one line.
        body = text[:-2] if text.endswith("\r\n") else text[:-1]
        if "\r" not in body:
            yield text
            return
        parts = text.replace("\r\n", "\n").split("\r")
        for i, part in enumerate(parts):
            if i:
                self.line_no += 1
            if i < len(parts) - 1:
                yield part + "\n"
            elif part:
                yield part

    def _skip_rest_of_line(self, fh: IO[bytes]) -> None:
        while True:
            try:
                chunk = fh.readline(self.max_line_bytes)
            except _READ_ERRORS as exc:
                raise self._read_error(exc) from exc
            if not chunk or chunk.endswith(b"\n"):
                return

    def _reject(self, reason: str) -> None:
        self.pending.append(Rejection(self.source, self.line_no, reason))
