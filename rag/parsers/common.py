"""Shared plumbing for the parsers: streaming line reader, text cleanup, field mapping."""

from __future__ import annotations

import codecs
import email.utils
import gzip
import io
import re
import unicodedata
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Generator

from rag.identity import normalize_arxiv_id
from rag.records import PaperRecord, Rejection

GZIP_MAGIC = b"\x1f\x8b"
# One entry is a few KB; a line beyond this is corrupt data, and refusing it keeps
# memory bounded even for a multi-GB file without newlines.
MAX_LINE_BYTES = 16 * 1024 * 1024

_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_READ_ERRORS = (OSError, EOFError, zlib.error)

# Strict on purpose: normalize_arxiv_id searches anywhere in a string, so a DOI such as
# 10.1234/5678.12345 would otherwise be mistaken for an arXiv id.
_STRICT_ARXIV = re.compile(
    r"^(?:arxiv:\s*)?(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE
)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d{2}|2\d{3})(?!\d)")


class ReadError(Exception):
    """The file itself could not be read past some line (e.g. truncated gzip)."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for binary reading, decompressing gzip by magic bytes, not by name."""
    raw = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
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


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """NFC-normalised text with all whitespace runs (incl. hard line breaks) as one space.

    Control characters (e.g. a NUL from a JSON "\\u0000" escape) become spaces: they
    would otherwise reach the store, the prompts and the page.
    """
    return " ".join(_CONTROL_CHARS.sub(" ", unicodedata.normalize("NFC", value)).split())


_ACCENT_MARKS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_SYMBOL_ACCENT = re.compile(r"\\([`'^\"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
# Letter-named accents need braces or a space before their letter (\v{s}, \v s).
_LETTER_ACCENT = re.compile(r"\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z]))")
_SPECIAL_LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "i", "j": "j",
}  # fmt: skip
_SPECIAL = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\s*(?:\{\})?")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_FORMATTING = {
    "emph", "textbf", "textit", "texttt", "textsc", "textrm", "textsf", "text", "mathrm",
    "mathbf", "mathit", "mathcal", "mathbb", "mathsf", "mathtt", "url", "mbox", "hbox", "uppercase",
    "em", "bf", "it", "sc", "rm", "tt", "sf", "bfseries", "itshape", "small", "large",
}  # fmt: skip
_COMMAND = re.compile(r"\\([A-Za-z]+)\*?(\s*)")
# Escaped braces and dollars must survive the stripping of their unescaped forms.
_PROTECT = {"{": "\ue000", "}": "\ue001", "$": "\ue002"}


def clean_latex(value: str) -> str:
    """Plain text from a BibTeX value: accents to Unicode, commands and braces removed."""
    if not value:
        return ""

    def accent(match: re.Match[str]) -> str:
        base = (match.group(2) or match.group(3)).lstrip("\\")
        return base + _ACCENT_MARKS[match.group(1)]

    text = _SYMBOL_ACCENT.sub(accent, value)
    text = _LETTER_ACCENT.sub(accent, text)
    text = _SPECIAL.sub(lambda m: _SPECIAL_LETTERS[m.group(1)], text)
    text = _ESCAPED.sub(lambda m: _PROTECT.get(m.group(1), m.group(1)), text)
    text = text.replace("\\\\", " ").replace("\\,", " ").replace("\\ ", " ")
    text = _COMMAND.sub(lambda m: "" if m.group(1) in _FORMATTING else m.group(1) + m.group(2)[:1], text)
    text = text.replace("$", "").replace("~", " ").replace("{", "").replace("}", "")
    text = text.replace("---", "\u2014").replace("--", "\u2013")
    for char, placeholder in _PROTECT.items():
        text = text.replace(placeholder, char)
    return clean_text(unicodedata.normalize("NFC", text))


def clean_url(value: str) -> str:
    """A URL/DOI/id field with BibTeX escapes, braces and whitespace removed."""
    text = _ESCAPED.sub(lambda m: m.group(1), value or "")
    return "".join(text.replace("{", "").replace("}", "").split())


def strict_arxiv_id(value: Any) -> str | None:
    """The bare arXiv id if ``value`` is an arXiv id or arXiv URL, else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if _STRICT_ARXIV.match(value) or _ARXIV_URL.search(value):
        return normalize_arxiv_id(value)
    return None


def arxiv_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def split_authors(value: str) -> list[str]:
    """Split an author string on ';' if present, else on ',' and ' and '."""
    # The Kaggle arXiv snapshot keeps TeX accents in names ("C. Bal\'azs").
    value = clean_latex(value) if "\\" in value else clean_text(value)
    if not value:
        return []
    if ";" in value:
        parts = value.split(";")
    else:
        parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", value)
    return [p.strip() for p in parts if p.strip()]


def split_categories(value: Any) -> list[str]:
    if isinstance(value, list):
        return [clean_text(v) for v in value if isinstance(v, str) and v.strip()]
    if isinstance(value, str):
        return [p for p in re.split(r"[\s,;]+", value) if p]
    return []


def parse_year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():  # also rules out NaN/inf from JSON
        value = int(value)
    if isinstance(value, int) and 0 < value < 10_000:
        value = str(value)
    if isinstance(value, str):
        match = _YEAR.search(value)
        if match:
            return int(match.group(1))
    return None


def parse_date(value: Any) -> str | None:
    """An ISO date (YYYY, YYYY-MM or YYYY-MM-DD) from ISO or RFC 2822 text, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    match = _ISO_DATE.match(value)
    if match:
        return match.group(0)
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _first(fields: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = fields.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _author_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return split_authors(value)
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("name")
            if isinstance(item, str) and item.strip():
                names.append(clean_text(item))
        return names
    return []


def _first_version_date(value: Any) -> str | None:
    # Kaggle's update_date is the *last* revision; v1's "created" is when it appeared.
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return parse_date(value[0].get("created"))
    return None


def record_from_fields(fields: Mapping[str, Any], source: str, line: int | None) -> PaperRecord | Rejection:
    """Build a record from loosely named fields (JSON objects, CSV rows).

    Keys must already be lower-case. Understands the arXiv metadata dump, the Kaggle
    arXiv snapshot and generic ``title``/``abstract`` objects.
    """
    title = _first(fields, "title", "paper_title")
    abstract = _first(fields, "abstract", "summary")
    missing = [name for name, value in (("title", title), ("abstract", abstract)) if value is None]
    if missing:
        found = ", ".join(sorted(k for k in fields if isinstance(k, str))[:12]) or "none"
        return Rejection(
            source,
            line,
            f"missing {' and '.join(missing)}: every entry needs a non-empty "
            f"'title' and 'abstract' (fields found: {found})",
        )
    for name, value in (("title", title), ("abstract", abstract)):
        if not isinstance(value, str):
            return Rejection(source, line, f"field '{name}' must be text, got {type(value).__name__}")
    title, abstract = clean_text(title), clean_text(abstract)
    for name, value in (("title", title), ("abstract", abstract)):
        if not value:
            return Rejection(source, line, f"missing {name}: the '{name}' field is blank")

    arxiv_id = None
    for name in ("arxiv_id", "arxiv", "arxivid"):
        if isinstance(fields.get(name), str):
            arxiv_id = normalize_arxiv_id(fields[name])
            if arxiv_id:
                break
    raw_id = fields.get("id", fields.get("paper_id"))
    arxiv_id = arxiv_id or strict_arxiv_id(raw_id) or strict_arxiv_id(fields.get("url"))
    external_id = None
    if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id).strip():
        if not strict_arxiv_id(raw_id):
            external_id = str(raw_id).strip()
    doi = fields.get("doi")
    doi = doi.strip() if isinstance(doi, str) and doi.strip() else None
    if external_id is None and doi:
        external_id = doi

    url = _first(fields, "url", "link", "abs_url")
    url = url.strip() if isinstance(url, str) else None
    if not url and arxiv_id:
        url = arxiv_url(arxiv_id)
    elif not url and doi:
        url = f"https://doi.org/{doi}"

    raw_date = _first(fields, "date", "published", "publication_date")
    date = (
        parse_date(raw_date)
        or _first_version_date(fields.get("versions"))
        or parse_date(fields.get("update_date"))
    )
    year = parse_year(fields.get("year")) or parse_year(date) or parse_year(raw_date)

    return PaperRecord(
        title=title,
        abstract=abstract,
        source=source,
        authors=_author_list(_first(fields, "authors", "author")),
        year=year,
        date=date,
        categories=split_categories(_first(fields, "categories", "category", "primary_category")),
        url=url or None,
        arxiv_id=arxiv_id,
        external_id=external_id,
        line=line,
    )
