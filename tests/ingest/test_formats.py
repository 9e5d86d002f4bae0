"""The one suffix table, and everyone who reads it agreeing on it."""

import gzip
import json

import pytest

from rag.ingest.files import iter_input_files
from rag.ingest.formats import SUFFIXES, format_for, unsupported_kind
from rag.ingest.parsers import parse_file, sniff_kind
from rag.ingest.progress import estimate_papers
from rag.types import PaperRecord

LINE = json.dumps({"title": "A paper on graphs", "abstract": "We study graphs and report results on three benchmarks."}) + "\n"


@pytest.mark.parametrize("name, kind", [
    ("a.jsonl", "json"), ("a.JSONL.GZ", "json"), ("a.ndjson", "json"), ("a.ndjson.gz", "json"), ("a.json", "json"),
    ("a.csv", "csv"), ("a.tsv.gz", "csv"), ("a.bib", "bib"), ("a.bib.gz", "bib"), ("a.txt", "page"),
])
def test_format_for_known_suffixes(name, kind):
    assert format_for(name).kind == kind


def test_unknown_and_unsupported_names():
    assert format_for("a.pdf") is None and unsupported_kind("a.pdf") == "PDF"
    assert format_for("README") is None and unsupported_kind("README") is None


def test_a_folder_ingests_every_format_a_named_file_does(tmp_path):
    """Regression: `rag ingest FOLDER` skipped .ndjson and .bib.gz files that `rag ingest FILE` read."""
    (tmp_path / "a.ndjson").write_text(LINE)
    with gzip.open(tmp_path / "b.ndjson.gz", "wt") as fh:
        fh.write(LINE)
    with gzip.open(tmp_path / "c.bib.gz", "wt") as fh:
        fh.write("@article{k, title={A paper on trees}, abstract={We study trees and report results.}}\n")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4 binary")
    found = [p.name for p in iter_input_files([tmp_path])]
    assert found == ["a.ndjson", "b.ndjson.gz", "c.bib.gz"]
    for path in iter_input_files([tmp_path]):
        assert any(isinstance(item, PaperRecord) for item in parse_file(path)), path.name


def test_every_table_suffix_is_walked_and_sniffed_by_its_kind(tmp_path):
    for suffix in SUFFIXES:
        (tmp_path / f"x{suffix}").write_bytes(b"")
    assert len(iter_input_files([tmp_path])) == len(SUFFIXES)
    assert sniff_kind("x.ndjson", "") == "json" and sniff_kind("x.bib.gz", "") == "bib"


def test_progress_counts_line_formats_from_the_table(tmp_path):
    (tmp_path / "a.ndjson").write_text(LINE * 3)
    (tmp_path / "b.csv").write_text("title,abstract\nt,a\nu,b\n")
    assert estimate_papers([tmp_path / "a.ndjson", tmp_path / "b.csv"]) == 5
    (tmp_path / "c.bib").write_text("@misc{k, title={t}}\n")
    assert estimate_papers([tmp_path / "c.bib"]) is None


def test_a_pdf_named_directly_is_rejected_as_pdf(tmp_path):
    path = tmp_path / "paper.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    (rejection,) = list(parse_file(path))
    assert "PDF files are not supported" in rejection.reason
