"""The paper-count estimate behind the ingest progress bar's total and ETA."""

from __future__ import annotations

import gzip

from rag.ingest.progress import estimate_papers
from support import ROOT, SAMPLE_DIR

FIXTURES = ROOT / "tests" / "fixtures"


def test_jsonl_counts_lines_plain_and_gzipped(tmp_path):
    lines = "".join(f'{{"title": "t{i}", "abstract": "a"}}\n' for i in range(1000))
    (tmp_path / "a.jsonl").write_text(lines)
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as handle:
        handle.write(lines.rstrip("\n"))  # no final newline: the last line still counts
    assert estimate_papers([tmp_path / "a.jsonl"]) == 1000
    assert estimate_papers([tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"]) == 2000


def test_csv_header_is_not_a_paper():
    rows = (FIXTURES / "papers.csv").read_text().strip().splitlines()
    assert estimate_papers([FIXTURES / "papers.csv"]) == len(rows) - 1


def test_formats_without_a_cheap_count_give_none():
    assert estimate_papers([FIXTURES / "refs.bib"]) is None
    assert estimate_papers(sorted(SAMPLE_DIR.iterdir())) is None
    assert estimate_papers([FIXTURES / "arxiv.jsonl", FIXTURES / "refs.bib"]) is None


def test_broken_gzip_gives_none_instead_of_raising(tmp_path):
    (tmp_path / "bad.jsonl.gz").write_bytes(b"not gzip at all")
    assert estimate_papers([tmp_path / "bad.jsonl.gz"]) is None
