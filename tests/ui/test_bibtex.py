"""BibTeX export: one entry per paper, unique keys, braces in titles cannot break an entry."""

from rag.types import Citation
from ui.bibtex import to_bibtex


def test_entries_are_unique_and_well_formed():
    cites = [
        Citation(1, "p1", "Deep {Evil} Nets}", "https://x.org/1", authors=["Ada Lovelace", "Alan Turing"], year=2024),
        Citation(2, "p2", "Deep Other Nets", None, authors=["Ada Lovelace"], year=2024),
        Citation(1, "p1", "Deep {Evil} Nets}", "https://x.org/1", authors=["Ada Lovelace"], year=2024),
    ]
    bib = to_bibtex(cites)
    assert bib.count("@misc{") == 2
    assert "lovelace2024deep," in bib and "lovelace2024deep2," in bib
    assert "title = {Deep Evil Nets}," in bib and "author = {Ada Lovelace and Alan Turing}," in bib
    assert bib.count("{") == bib.count("}")
