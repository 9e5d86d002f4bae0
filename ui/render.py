r"""Answer and source-card HTML. Every paper, file-name and model string is untrusted and escaped here.

:func:`inline` is the one sanitiser the whole UI uses, for each layer an untrusted string
passes through:

- HTML: ``<``, ``>``, ``&`` and quotes become character entities;
- Markdown: answers are shown in a Markdown-rendering Chatbot and the header is Markdown, so
  link and emphasis syntax (``[x](javascript:...)``, ``**``) is turned into entities too, and
  an answer is one HTML block with no blank lines (Markdown leaves its inside alone);
- TeX: ``$`` and ``\`` become entities, and every Markdown component is built with
  ``latex_delimiters=[]`` (see ``NO_TEX``), because KaTeX's auto-render works on the page's
  text after entities are decoded: ``$$\rule{2000px}{2000px}$$`` in an abstract drew a
  3,212-px box over the answer.
"""

from __future__ import annotations

import html
import re
from typing import Iterable

from rag import Answer, Citation
from rag.text.markers import find_markers
from rag.text.sentences import split_sentences

# One pass, so an entity produced for one character is never re-escaped by another rule.
_ESCAPES = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'[]()*_`~#|\\!$"})

# Keyword arguments for every Markdown-rendering component: no TeX rendering at all.
NO_TEX = {"latex_delimiters": []}


def inline(text: str) -> str:
    """Escape untrusted text for HTML inside Markdown: tags and link syntax become inert."""
    return (text or "").translate(_ESCAPES).replace("\n", "<br>")


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are kept; javascript:, data: and the rest are dropped."""
    if url and re.match(r"^https?://[^\s\"'<>]+$", url.strip(), re.I):
        return html.escape(url.strip(), quote=True)
    return None


def _spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans where any needle occurs in ``text``."""
    found = []
    for needle in needles:
        needle = (needle or "").strip()
        if len(needle) < 12:
            continue
        start = text.find(needle)
        if start >= 0:
            found.append((start, start + len(needle)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def wrap_spans(text: str, needles: Iterable[str], tag: str, attrs: str, render=inline) -> str:
    """Render ``text`` with each occurrence of a needle wrapped in <tag attrs>."""
    out, pos = [], 0
    for start, end in _spans(text, needles):
        out.append(render(text[pos:start]))
        out.append(f"<{tag} {attrs}>{render(text[start:end])}</{tag}>")
        pos = end
    out.append(render(text[pos:]))
    return "".join(out)


def _marker_html(text: str, turn: int, valid: set[int]) -> str:
    """Escape ``text`` and turn markers that name cited papers into links to their source cards."""
    out, pos = [], 0
    for marker in find_markers(text):
        if not marker.numbers or any(n not in valid for n in marker.numbers):
            continue
        out.append(inline(text[pos : marker.start]))
        out.extend(f'<a class="cite" href="#src-{turn}-{n}" data-card="src-{turn}-{n}">&#91;{n}&#93;</a>' for n in marker.numbers)
        pos = marker.end
    out.append(inline(text[pos:]))
    return "".join(out)


def streaming_html(text: str) -> str:
    """The partial answer while tokens arrive: escaped, markers not yet linked."""
    return f'<div class="answer streaming">{inline(text)}</div>'


def _table_html(lines: list[str], turn: int, valid: set[int]) -> str:
    """The compare table: "| paper | method | figure |" rows, the paper column linked to its card."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines if not re.fullmatch(r"\|?[\s\-|:]+\|?", line.strip())]
    if not rows:
        return ""
    head = "".join(f"<th>{inline(c)}</th>" for c in rows[0])
    body = []
    for row in rows[1:]:
        cells = [_marker_html(f"[{row[0]}]", turn, valid) if row and row[0].isdigit() else inline(row[0] if row else "")]
        cells += [inline(c) for c in row[1:]]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f'<table class="figures"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


_BULLET = re.compile(r"^[-*•]\s+")


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """The answer's lines grouped: ("items", "- ..." lines), ("table", "|...|" lines), ("para", a line)."""
    blocks: list[tuple[str, list[str]]] = []
    for line in (text or "").split("\n"):
        stripped = line.strip()
        kind = "items" if _BULLET.match(stripped) else "table" if stripped.startswith("|") else "para" if stripped else ""
        if not kind:
            continue
        if kind != "para" and blocks and blocks[-1][0] == kind:
            blocks[-1][1].append(stripped)
        else:
            blocks.append((kind, [stripped]))
    return blocks


def chips_html(answer: Answer, turn: int) -> str:
    """The plan's filters as chips, each with a button that asks again without it."""
    plan = answer.plan
    if plan is None:
        return ""
    chips = [(key, f"{key.replace('_', ' ')}: {value}") for key, value in plan.filters.items()]
    if plan.within:
        # The scope is the previous answer's cited papers and its nearest uncited ones (rag.question.referents).
        chips.append(("within", f"within the {len(plan.within)} papers found for the previous answer"))
    if not chips:
        return ""
    items = "".join(
        f'<span class="chip">{inline(label)}<button class="chip-x" title="ask again without this" '
        f'value="{html.escape(key, quote=True)}" data-drop="{html.escape(key, quote=True)}">&#215;</button></span>' for key, label in chips)
    return f'<div class="chips">{items}</div>'


def answer_html(answer: Answer, turn: int, elapsed_ms: float) -> str:
    """The final answer: its list or table shaped as such, linked markers, unsupported sentences and removed citations marked."""
    valid = {c.number for c in answer.citations}
    unsupported = answer.unsupported_sentences

    def render(line: str) -> str:
        return wrap_spans(line, unsupported, "span", 'class="unsupported" title="not supported by the cited abstracts"',
                          render=lambda piece: _marker_html(piece, turn, valid))

    body = []
    for kind, lines in _blocks(answer.text):
        if kind == "items":
            body.append('<ul class="items">' + "".join(f"<li>{render(_BULLET.sub('', line))}</li>" for line in lines) + "</ul>")
        elif kind == "table":
            body.append(_table_html(lines, turn, valid))
        else:
            body.append(f"<p>{render(lines[0])}</p>")
    parts = [f'<div class="answer">{chips_html(answer, turn)}{"".join(body)}']
    if unsupported:
        parts.append(f'<div class="warn">⚠ {len(unsupported)} sentence(s) not supported by the cited abstracts (underlined)</div>')
    if answer.removed_citations:
        removed = ", ".join(inline(str(r)) for r in answer.removed_citations)
        parts.append(f'<div class="warn removed">✂ removed citations: <s>{removed}</s></div>')
    for notice in answer.notices:
        parts.append(f'<div class="notice">{inline(notice)}</div>')
    parts.append(f'<div class="footer">answered by: {inline(answer.backend)} · {elapsed_ms:.0f} ms</div></div>')
    return "".join(parts)


def error_html(message: str) -> str:
    return f'<div class="answer error">⚠ {inline(message)}</div>'


def _card(citation: Citation, abstract: str | None, turn: int) -> str:
    url = safe_url(citation.url)
    authors = ", ".join(citation.authors[:6]) + (" et al." if len(citation.authors) > 6 else "")
    meta = " · ".join(x for x in (inline(authors), str(citation.year or "")) if x)
    link = f' · <a href="{url}" target="_blank" rel="noopener noreferrer">link</a>' if url else ""
    evidence = [s for chunk in citation.evidence for s in split_sentences(chunk)]
    if abstract:
        body = wrap_spans(abstract, evidence, "mark", 'class="evidence"')
    else:
        body = "<br>".join(f'<mark class="evidence">{inline(e)}</mark>' for e in citation.evidence)
    return (
        f'<div class="card" id="src-{turn}-{citation.number}">'
        f'<div class="card-title"><span class="num">&#91;{citation.number}&#93;</span> {inline(citation.title)}</div>'
        f'<div class="card-meta">{meta}{link}</div>'
        f'<div class="card-abstract">{body}</div>'
        f'<button class="related" data-pid="{html.escape(citation.paper_id, quote=True)}">related papers</button>'
        "</div>"
    )


def cards_html(answer: Answer | None, turn: int) -> str:
    """Source cards for the cited papers of one answer, in marker order."""
    if answer is None or not answer.citations:
        return '<div class="cards empty">Sources of the latest answer appear here.</div>'
    abstracts = {hit.paper_id: hit.abstract for hit in answer.sources}
    cards = [_card(c, abstracts.get(c.paper_id), turn) for c in sorted(answer.citations, key=lambda c: c.number)]
    return '<div class="cards">' + "".join(cards) + "</div>"


def related_html(title: str, hits) -> str:
    """A short list of papers similar to one card."""
    items = []
    for hit in hits:
        url = safe_url(hit.metadata.url)
        name = inline(hit.title)
        name = f'<a href="{url}" target="_blank" rel="noopener noreferrer">{name}</a>' if url else name
        items.append(f"<li>{name} <span class=\"score\">{hit.score:.2f}</span></li>")
    return f'<div class="related-list"><b>Related to:</b> {inline(title)}<ol>{"".join(items)}</ol></div>'
