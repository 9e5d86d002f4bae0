"""Rendering hardened against TeX, Markdown and HTML planted in an abstract, an author field and a file name.

A real `rag serve` over a collection read from a file whose very name is a Markdown link; real
Chromium (Playwright, Debian's /usr/bin/chromium) renders the header, an answer and its cards,
and the checks are made in the DOM: no TeX is typeset, no element outgrows the card or answer
that holds it, and no link leaves the app except the papers' own links.
"""

from __future__ import annotations

import json

import pytest
from support.browser import chromium_page
from support.serving import RagServe

from rag import Assistant

FILE_NAME = "[Security update required](https:evil.example).jsonl"
PAPER_URLS = {"https://arxiv.org/abs/2501.00001", "https://arxiv.org/abs/2501.00002", "https://arxiv.org/abs/2501.00003"}
PAPERS = [
    {"title": "Zorbification of Quasiparticle Lattices $$\\rule{2000px}{2000px}$$",
     "abstract": "We propose zorbification, a transformation of quasiparticle lattices. $$\\rule{2000px}{2000px}$$ "
                 "Zorbification prepares quasiparticle lattices 4.2x faster. See [the security update](https://evil.example/phish) "
                 "and <img src=x onerror=\"window.__pwned=1\"> for details.",
     "authors": ["[Admin notice](https://evil.example/a)", "$$\\rule{3000px}{3000px}$$", "<b>Ada</b> Quill"],
     "year": 2025, "url": "https://arxiv.org/abs/2501.00001"},
    {"title": "Sketch-Based Zorbification for Large Quasiparticle Lattices",
     "abstract": "We propose sketch-based zorbification for large quasiparticle lattices. $\\color{red}{\\Huge HACKED}$ "
                 "Sketches cut the memory of zorbification by 60%. ![tracker](https://evil.example/pixel.png) **Click** "
                 "[here](javascript:window.__pwned=2) or <a href=\"https://evil.example/b\">here</a>.",
     "authors": ["Bo [Lin](https://evil.example/c)"], "year": 2024, "url": "https://arxiv.org/abs/2501.00002"},
    {"title": "Cold-Atom Simulators for Lattice Physics",
     "abstract": "We review cold-atom quantum simulators for lattice physics and the preparation of quasiparticle lattices.",
     "authors": ["Cy Dar"], "year": 2023, "url": "https://arxiv.org/abs/2501.00003"},
]
QUESTION = "Which papers propose zorbification of quasiparticle lattices?"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hardening")
    source = folder / FILE_NAME
    source.write_text("".join(json.dumps(p) + "\n" for p in PAPERS))
    data_dir = folder / "data"
    assert Assistant(data_dir=data_dir).ingest([source]).added == len(PAPERS)
    with RagServe(data_dir) as server:
        yield server


# Every element under `root`, and whether it fits inside `root` (1 px of rounding allowed).
_OVERFLOW = """root => {
  const box = root.getBoundingClientRect();
  return [...root.querySelectorAll('*')].map(e => e.getBoundingClientRect())
    .filter(r => r.width > box.width + 1 || r.height > Math.max(box.height, root.scrollHeight) + 1)
    .map(r => [Math.round(r.width), Math.round(r.height)]);
}"""


@pytest.mark.slow
def test_planted_tex_markdown_and_html_stay_text(served, test_output):
    dialogs: list[str] = []
    with chromium_page(served.url, dialogs) as page:
        page.wait_for_function("document.querySelector('#rag-stats-line').innerText.includes('papers')")
        # The file name is shown as text, not as a link.
        header = page.inner_text("#rag-stats-line")
        assert FILE_NAME in header, header
        assert page.locator("#rag-stats-line a").count() == 0

        page.fill("#rag-input textarea", QUESTION)
        page.keyboard.press("Enter")
        page.wait_for_selector("#rag-chat .answer .footer", timeout=300_000)
        page.wait_for_timeout(1500)  # let any planted handler fire, and any typesetting run
        page.screenshot(path=str(test_output / "hardening_answer.png"), full_page=True)

        cards = page.locator("#rag-cards .card")
        assert cards.count() >= 2
        shown = page.inner_text("#rag-chat") + page.inner_text("#rag-cards")
        # The payloads reached the page as visible text (so this test can fail) ...
        for payload in ("$$\\rule{2000px}{2000px}$$", "[the security update](https://evil.example/phish)", "[Admin notice](https://evil.example/a)", "onerror="):
            assert payload in shown, payload
        # ... and none of them became markup: no TeX typeset, no element bigger than its card or answer ...
        assert page.locator(".katex, .katex-display, math").count() == 0
        for i in range(cards.count()):
            assert cards.nth(i).evaluate(_OVERFLOW) == [], f"card {i} holds an element larger than itself"
        answer = page.locator("#rag-chat .answer").first
        assert answer.evaluate(_OVERFLOW) == []
        # ... no link leaves the app except a paper's own link, and nothing planted ran.
        origin = served.url.rstrip("/")
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        outside = [h for h in hrefs if not h.startswith(origin) and not h.startswith("#")]
        assert set(outside) <= PAPER_URLS, outside
        assert not page.locator("img[src*='evil'], img[onerror]").count()
        assert page.evaluate("window.__pwned") is None
    assert dialogs == []
