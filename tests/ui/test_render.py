"""Answer/card HTML: untrusted text is inert, markers link only to real cards, problems are visible."""

from __future__ import annotations

import html

from hypothesis import given, strategies as st

from rag.types import Answer, AnswerSentence, Citation
from rag.types import Hit, PaperMeta
from ui.render import answer_html, cards_html, inline, safe_url

EVIL_TITLE = 'Robust <script>alert(1)</script> nets [click](javascript:alert(2)) "quoted"'
EVIL_ABSTRACT = "First sentence is evidence enough here. <img src=x onerror=alert(3)> Then [x](javascript:alert(4))."


def _answer(**extra) -> Answer:
    citation = Citation(1, "p1", EVIL_TITLE, "javascript:alert(5)", evidence=["First sentence is evidence enough here."], authors=["A <b>B</b>"], year=2024)
    hit = Hit("p1", EVIL_TITLE, 0.9, EVIL_ABSTRACT, PaperMeta())
    base = dict(question="q", text="Nets are robust [1]. Unsupported claim here [1]. Bogus marker [7].", citations=[citation], sources=[hit])
    return Answer(**{**base, **extra})


def test_untrusted_text_cannot_form_tags_or_links():
    page = answer_html(_answer(), 0, 12.0) + cards_html(_answer(), 0)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "](" not in page and 'href="javascript' not in page
    assert "&#60;script&#62;" in page


def test_markers_link_to_cards_and_unknown_markers_stay_text():
    html = answer_html(_answer(), 3, 180.0)
    assert 'href="#src-3-1"' in html and "#src-3-7" not in html
    assert "&#91;7&#93;" in html
    assert 'id="src-3-1"' in cards_html(_answer(), 3)
    assert "answered by: extractive · 180 ms" in html


def test_evidence_is_highlighted_in_the_abstract():
    cards = cards_html(_answer(), 0)
    assert '<mark class="evidence">First sentence is evidence enough here.</mark>' in cards
    assert 'data-pid="p1"' in cards


def test_unsupported_sentences_and_removed_citations_are_marked():
    sentences = [AnswerSentence("Nets are robust [1].", [1], True), AnswerSentence("Unsupported claim here [1].", [1], False)]
    html = answer_html(_answer(sentences=sentences, removed_citations=["[9] not among the sources"]), 0, 1.0)
    assert '<span class="unsupported"' in html and "Unsupported claim here" in html.split('class="unsupported"')[1]
    assert "removed citations" in html and "&#91;9&#93; not among the sources" in html


def test_only_http_links_survive():
    assert safe_url("https://arxiv.org/abs/1") == "https://arxiv.org/abs/1"
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None and safe_url(None) is None


@given(st.text())
def test_inline_never_emits_markup_characters(text):
    out = inline(text)
    for ch in "<>\"'[]()`":
        assert ch not in out.replace("<br>", "")  # the only tag it may emit
    # Shown exactly as written: nothing is escaped twice (an apostrophe must not show as &#x27;).
    assert html.unescape(out.replace("<br>", "\n")) == text
