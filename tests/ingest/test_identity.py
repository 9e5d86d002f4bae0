"""Paper identity: arXiv ids in every spelling, title hashes that ignore case, accents and punctuation."""

import pytest

from rag.ingest.identity import normalize_arxiv_id, normalize_title, paper_id_for


@pytest.mark.parametrize("value, bare", [
    ("2401.10774", "2401.10774"), ("2401.10774v3", "2401.10774"), ("arXiv:2401.10774", "2401.10774"),
    ("https://arxiv.org/abs/2401.10774v2", "2401.10774"), ("hep-th/9901001", "hep-th/9901001"), ("", None), (None, None),
    ("no id here", None),
])
def test_normalize_arxiv_id(value, bare):
    assert normalize_arxiv_id(value) == bare


def test_titles_match_across_spellings():
    assert normalize_title("Café:  Über-Fast  LLMs!") == normalize_title("cafe uber fast llms") == "cafe uber fast llms"


def test_paper_ids():
    assert paper_id_for("Anything", "2401.10774v1") == "arxiv:2401.10774"
    a, b = paper_id_for("Deep Nets, Revisited"), paper_id_for("deep nets revisited")
    assert a == b and a.startswith("title:") and len(a) == len("title:") + 16
    assert paper_id_for("Another title") != a
