"""Paper fields from loosely named inputs: text and TeX cleanup, authors, categories, dates, arXiv ids."""

from __future__ import annotations

import email.utils
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from rag.ingest.identity import normalize_arxiv_id
from rag.types import PaperRecord, Rejection

# Strict on purpose: normalize_arxiv_id searches anywhere in a string, so a DOI such as
# 10.1234/5678.12345 would otherwise be mistaken for an arXiv id.
_STRICT_ARXIV = re.compile(
    r"^(?:arxiv:\s*)?(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE
)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d{2}|2\d{3})(?!\d)")

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# TeX escapes of plain characters, which arXiv abstracts keep in every format ("saves 40\% cost"):
# left in, "40\%" is shown as it stands and is not read as a percentage by the figure finder.
_TEX_ESCAPED_CHAR = re.compile(r"\\([%&#_$])")


def clean_text(value: str) -> str:
    """NFC-normalised text with all whitespace runs (incl. hard line breaks) as one space.

    Control characters (e.g. a NUL from a JSON "\\u0000" escape) become spaces: they
    would otherwise reach the store, the prompts and the page. TeX-escaped characters
    lose their backslash.

    >>> clean_text("It saves 40\\\\% of the cost\\n  at R\\\\&D scale.")
    'It saves 40% of the cost at R&D scale.'
    """
    text = _TEX_ESCAPED_CHAR.sub(r"\1", unicodedata.normalize("NFC", value))
    return " ".join(_CONTROL_CHARS.sub(" ", text).split())


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
