"""Parsers: the shipped seed pages, every input format, and hostile input."""

from __future__ import annotations

import gzip
import json
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.errors import UserError
from rag.ingest.identity import normalize_title
from rag.ingest.files import iter_input_files
from rag.ingest.parsers import BibtexParser, CsvParser, JsonlParser, SeedPageParser, parse_file
from rag.types import PaperRecord, Rejection

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
FIXTURES = ROOT / "tests" / "fixtures"

# name -> (records, first title, last title)
SEED_PAGES = {
    "000_6df2382d1ccda13c.txt": (
        40,
        "Deep Human Parsing with Active Template Regression",
        "Perceptual Quality Improvement in Videoconferencing using Keyframes-based GAN",
    ),
    "001_b6e1b23f0907348b.txt": (
        91,
        "Deep Human Parsing with Active Template Regression",
        "Greedy Bayesian Posterior Approximation with Deep Ensembles",
    ),
    "002_6702f2505304ae9f.txt": (
        232,
        "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads",
        "Sparse-VQ Transformer: An FFN-Free Framework with Vector Quantization for Enhanced Time Series Forecasting",
    ),
    "003_580eed598ce0b10e.txt": (
        60,
        "RestoreFormer++: Towards Real-World Blind Face Restoration from Undegraded Key-Value Pairs",
        "Model Sparsity Can Simplify Machine Unlearning",
    ),
}


def split(items):
    items = list(items)
    assert all(isinstance(i, (PaperRecord, Rejection)) for i in items)
    return [i for i in items if isinstance(i, PaperRecord)], [i for i in items if isinstance(i, Rejection)]


def parse(path):
    return split(parse_file(path))


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- seed listing pages --------------------------------------------------------


@pytest.fixture(scope="module")
def seed_results():
    return {path.name: parse(path) for path in iter_input_files([SAMPLE])}


def test_sample_folder_lists_the_four_seed_pages():
    assert [p.name for p in iter_input_files([SAMPLE])] == sorted(SEED_PAGES)


@pytest.mark.parametrize("name", sorted(SEED_PAGES))
def test_seed_page_records(seed_results, name):
    records, rejections = seed_results[name]
    count, first, last = SEED_PAGES[name]
    assert rejections == []
    assert len(records) == count
    assert records[0].title == first
    assert records[-1].title == last
    for record in records:
        assert record.source == name
        assert not record.title.startswith("Subscribe")
        assert len(record.title) < 300
        assert len(record.abstract) > 500
        assert record.abstract.count(". ") >= 2
        assert record.line is not None and record.line >= 1


def test_seed_pages_total_and_unique(seed_results):
    records = [r for recs, _ in seed_results.values() for r in recs]
    assert len(records) == 423
    assert len({normalize_title(r.title) for r in records}) == 363


def test_seed_page_line_numbers_point_at_titles(seed_results):
    records, _ = seed_results["000_6df2382d1ccda13c.txt"]
    lines = (SAMPLE / "000_6df2382d1ccda13c.txt").read_text(encoding="utf-8").splitlines()
    for record in records:
        assert lines[record.line - 1].strip() == record.title
    # Compact layout: the first title is glued to "Subscribe" on line 3.
    compact, _ = seed_results["001_b6e1b23f0907348b.txt"]
    assert compact[0].line == 3


def test_unpaired_lines_in_a_listing_page_are_reported():
    records, rejections = split(SeedPageParser().parse(FIXTURES / "page_unpaired.txt"))
    assert [r.title for r in records] == ["Second Title Right After"]
    assert [(r.source, r.line) for r in rejections] == [
        ("page_unpaired.txt", 5),
        ("page_unpaired.txt", 11),
        ("page_unpaired.txt", 13),
    ]
    assert "title with no abstract" in rejections[0].reason
    assert "abstract with no title" in rejections[1].reason
    assert "end of the page" in rejections[2].reason
    assert str(rejections[0]).startswith("page_unpaired.txt:5: ")


def test_listing_page_with_crlf_and_bare_cr_line_endings(tmp_path):
    abstract = "A long abstract sentence that keeps going for a while. " * 8
    for name, newline in (("crlf.txt", "\r\n"), ("cr.txt", "\r")):
        path = write(tmp_path, name, newline.join(["Subscribe", "A Title", abstract, "B Title", abstract]))
        records, rejections = parse(path)
        assert [r.title for r in records] == ["A Title", "B Title"]
        assert [r.line for r in records] == [2, 4]
        assert rejections == []


# --- JSONL / JSON --------------------------------------------------------------


def test_arxiv_metadata_jsonl():
    records, rejections = split(JsonlParser().parse(FIXTURES / "arxiv.jsonl"))
    assert rejections == []
    first, second, old = records
    assert first.title == "Industrial-Grade Sensor Simulation via Gaussian Splatting"
    assert "\n" not in first.abstract and "  " not in first.abstract
    assert first.arxiv_id == "2503.11731"
    assert first.url == "https://arxiv.org/abs/2503.11731"
    assert first.authors == ["Xianming Zeng", "Sicong Du"]
    assert first.categories == ["cs.CV", "cs.RO"]
    assert (first.year, first.date, first.line, first.source) == (2025, "2025-03-18", 1, "arxiv.jsonl")
    assert second.arxiv_id == "2504.00012"  # version suffix dropped
    assert second.authors == ["Moreno D'Incà"]
    assert old.arxiv_id == "hep-th/9901001"
    assert old.url == "https://arxiv.org/abs/hep-th/9901001"


def test_gzipped_jsonl_reads_the_same(tmp_path):
    path = tmp_path / "arxiv.jsonl.gz"
    path.write_bytes(gzip.compress((FIXTURES / "arxiv.jsonl").read_bytes()))
    assert parse(path) == split(
        PaperRecord(**{**vars(r), "source": "arxiv.jsonl.gz"}) for r in parse(FIXTURES / "arxiv.jsonl")[0]
    )


def test_truncated_gzip_keeps_earlier_lines_and_reports(tmp_path):
    rng = random.Random(0)  # random text, so the compressed stream is long enough to cut
    lines = "".join(
        json.dumps({"title": f"Paper {i}", "abstract": " ".join(str(rng.random()) for _ in range(30))}) + "\n"
        for i in range(500)
    )
    data = gzip.compress(lines.encode())
    path = write(tmp_path, "cut.jsonl.gz", data[: len(data) // 2])
    records, rejections = parse(path)
    assert len(records) > 10
    assert len(rejections) == 1 and "truncated or corrupt" in rejections[0].reason
    assert rejections[0].line == len(records) + 1


def test_kaggle_snapshot_fields():
    records, rejections = parse(FIXTURES / "kaggle.jsonl")
    assert rejections == []
    first, second = records
    assert first.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert first.abstract.startswith("A fully differential")
    assert first.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert first.categories == ["hep-ph", "cs.LG"]
    assert first.arxiv_id == "0704.0001"
    assert (first.year, first.date) == (2007, "2007-04-02")  # first version, not update_date
    assert second.authors == ["Ada Lovelace", "Alan Turing"]
    assert (second.year, second.date) == (2021, "2021-01-05")


def test_generic_jsonl():
    records, rejections = parse(FIXTURES / "generic.jsonl")
    assert rejections == []
    first, second = records
    assert first.authors == ["Jane Doe", "John Smith"]
    assert (first.year, first.url, first.external_id, first.arxiv_id) == (2021, "https://example.org/p/1", "W12345", None)
    assert second.year == 2019
    # A DOI whose suffix looks like an arXiv number must not become an arXiv id.
    assert second.arxiv_id is None and second.external_id == "10.1234/5678.12345"


def test_tex_escaped_characters_lose_their_backslash_in_every_format(tmp_path):
    # arXiv abstracts keep "40\\%" in JSONL, CSV and listing pages alike; the answer's figure finder reads "40%".
    abstract = "InfoBatch saves 40\\% overall cost on ImageNet-1K and R\\&D time, with a\\_b kept. " * 3
    jsonl = write(tmp_path, "p.jsonl", json.dumps({"title": "A 100\\% Title", "abstract": abstract}))
    csv = write(tmp_path, "p.csv", 'title,abstract\n"A 100\\% Title","' + abstract + '"\n')
    page = write(tmp_path, "p.txt", "\n".join(["Subscribe", "A 100\\% Title", abstract]))
    for path in (jsonl, csv, page):
        (record,), _ = parse(path)
        assert record.title == "A 100% Title", path.name
        assert "saves 40% overall cost" in record.abstract and "R&D" in record.abstract and "a_b" in record.abstract
        assert "\\" not in record.abstract


def test_json_array_file():
    records, rejections = parse(FIXTURES / "papers.json")
    assert rejections == []
    assert [r.title for r in records] == ["A Generic Paper", "Array Paper Two"]
    assert [r.line for r in records] == [2, 10]


def test_bad_jsonl_lines_are_reported_and_good_ones_kept():
    records, rejections = parse(FIXTURES / "bad.jsonl")
    assert [r.title for r in records] == ["Good Before", "Good After"]
    by_line = {r.line: r.reason for r in rejections}
    assert set(by_line) == {2, 4, 5, 6}
    assert "malformed JSON" in by_line[2]
    assert "missing title" in by_line[4]
    assert "missing abstract" in by_line[5]
    assert "JSON object" in by_line[6]


def test_deeply_nested_json_is_rejected_not_crashing(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    good = json.dumps({"title": "T", "abstract": "A"})
    path = write(tmp_path, "deep.jsonl", f'{{"title": "x", "abstract": {deep}}}\n{deep}\n{good}\n')
    records, rejections = parse(path)
    assert [r.title for r in records] == ["T"]
    assert [r.line for r in rejections] == [1, 2]
    array = write(tmp_path, "deep.json", f"[{good}, {deep}]")
    records, rejections = parse(array)
    assert len(records) == 1 and len(rejections) == 1


def test_txt_holding_jsonl_is_sniffed(tmp_path):
    path = write(tmp_path, "export.txt", (FIXTURES / "generic.jsonl").read_text())
    records, rejections = parse(path)
    assert len(records) == 2 and rejections == []


# --- CSV / TSV -----------------------------------------------------------------


def test_csv_with_quoted_multiline_field():
    records, rejections = split(CsvParser().parse(FIXTURES / "papers.csv"))
    assert rejections == []
    first, second = records
    assert first.title == "Graph Networks, Revisited"
    assert first.abstract == 'We revisit graph networks. "Message passing" is all you need, even across a line break.'
    assert first.authors == ["Ada Lovelace", "Alan Turing"]
    assert (first.year, first.url, first.categories) == (2020, "https://example.org/g", ["cs.LG", "cs.AI"])
    assert second.authors == ["Grace Hopper", "Edsger Dijkstra"]
    assert [first.line, second.line] == [2, 4]


def test_tsv():
    records, rejections = parse(FIXTURES / "papers.tsv")
    assert rejections == []
    (record,) = records
    assert record.abstract == "Abstracts may contain, commas; and semicolons."
    assert record.authors == ["A. One", "B. Two"]
    assert (record.arxiv_id, record.year) == ("2401.00001", 2024)


def test_csv_without_title_abstract_columns():
    records, rejections = parse(FIXTURES / "no_columns.csv")
    assert records == []
    (rejection,) = rejections
    assert "'name', 'summary_text', 'year'" in rejection.reason
    assert "title" in rejection.reason and "abstract" in rejection.reason


def test_latin1_file_is_decoded_not_dropped():
    records, rejections = parse(FIXTURES / "latin1.csv")
    assert rejections == []
    assert records[0].title == "Café Recommendation"
    assert records[0].abstract.startswith("Étude of café résumés")


def test_mixed_encoding_lines_all_come_through(tmp_path):
    abstract = "A long abstract sentence that keeps going for a while. " * 8
    data = b"Na\xefve Title\n" + abstract.encode() + b"\nUTF-8 Caf\xc3\xa9\n" + abstract.encode() + b"\n"
    records, rejections = parse(write(tmp_path, "mixed.txt", data))
    assert rejections == []
    assert [r.title for r in records] == ["Naïve Title", "UTF-8 Café"]


def test_csv_huge_field_and_ragged_rows(tmp_path):
    big = "word " * 60_000  # > csv's default 128 KiB field limit
    text = f'title,abstract\nBig,"{big}"\nToo,many,fields\nOk,Fine abstract.\n'
    records, rejections = parse(write(tmp_path, "big.csv", text))
    assert [r.title for r in records] == ["Big", "Ok"]
    assert [r.line for r in rejections] == [3]
    assert "fields" in rejections[0].reason


def test_utf16_tsv_from_excel(tmp_path):
    text = "title\tabstract\r\nWide Paper\tAn abstract saved as UTF-16.\r\n"
    records, rejections = parse(write(tmp_path, "excel.tsv", text.encode("utf-16")))
    assert rejections == []
    assert [r.title for r in records] == ["Wide Paper"]


# --- BibTeX --------------------------------------------------------------------


def test_bibtex_entries():
    records, rejections = split(BibtexParser().parse(FIXTURES / "refs.bib"))
    attention, muller = records
    assert attention.title == "Attention Is All You Need"
    assert attention.authors == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]
    assert (attention.year, attention.arxiv_id, attention.external_id) == (2017, "1706.03762", "vaswani2017attention")
    assert attention.url == "https://arxiv.org/abs/1706.03762"
    assert attention.abstract.startswith("The dominant sequence transduction models are based on complex recurrent")
    assert attention.line == 4
    assert muller.title == "Über Müller's Étude of Naïve Bayes – a Study"
    assert muller.authors == ["Jörg Müller", "Barnes and Noble"]
    assert muller.abstract == "We show that naïve Bayes works well at 50% of the cost."
    assert (muller.year, muller.url) == (2019, "https://doi.org/10.1000/xyz_123")

    no_abstract, unbalanced = rejections
    assert no_abstract.line == 16
    assert "entry noabstract2020 has no abstract field" in no_abstract.reason
    assert unbalanced.line == 22
    assert "broken2021" in unbalanced.reason and "unbalanced braces" in unbalanced.reason


def test_bibtex_unclosed_last_entry(tmp_path):
    text = "@article{ok, title={T}, abstract={A}}\n@misc{cut, title = {Half\n"
    records, rejections = parse(write(tmp_path, "cut.bib", text))
    assert [r.external_id for r in records] == ["ok"]
    assert [(r.line, "unbalanced" in r.reason) for r in rejections] == [(2, True)]


# --- whole files and paths -----------------------------------------------------


def test_empty_file(tmp_path):
    for name in ("empty.txt", "empty.jsonl", "blank.csv"):
        (rejection,) = parse(write(tmp_path, name, "" if name != "blank.csv" else "\n \n"))[1]
        assert "empty file" in rejection.reason and rejection.source == name


def test_binary_file(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    for name in ("figure.txt", "figure.jsonl", "figure.bin"):
        records, rejections = parse(write(tmp_path, name, png))
        assert records == []
        assert [r.reason for r in rejections] == [
            "binary file, not text: expected a listing page, JSONL, CSV/TSV or BibTeX"
        ]


def test_unknown_extension_is_sniffed(tmp_path):
    shutil.copy(FIXTURES / "refs.bib", tmp_path / "refs.references")
    shutil.copy(FIXTURES / "papers.csv", tmp_path / "papers.dat")
    assert len(parse(tmp_path / "refs.references")[0]) == 2
    assert len(parse(tmp_path / "papers.dat")[0]) == 2


def test_iter_input_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in ("b/z.jsonl.gz", "b/a.bib", "a.csv", "notes.md", ".secret.txt", ".hidden/x.txt", "c.json"):
        (tmp_path / rel).write_text("x")
    explicit = tmp_path / "notes.md"
    found = iter_input_files([tmp_path, explicit, str(tmp_path / "a.csv")])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.csv", "b/a.bib", "b/z.jsonl.gz", "c.json", "notes.md"]


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match=r"path not found: .*nope.*check the path"):
        iter_input_files([tmp_path / "nope"])


def test_parse_file_streams(tmp_path):
    # A generator: nothing is read until asked, and the first record comes first.
    lines = (json.dumps({"title": f"P{i}", "abstract": "A."}) + "\n" for i in range(20_000))
    path = tmp_path / "many.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.writelines(lines)
    stream = parse_file(path)
    assert next(stream).title == "P0"
    assert sum(1 for _ in stream) == 19_999


# --- property: never raises ----------------------------------------------------

EXTENSIONS = [".txt", ".jsonl", ".json", ".jsonl.gz", ".csv", ".tsv", ".bib", ".xyz"]

# Structural characters of every format, so the parsers' edge paths get exercised.
_TOKENS = list('{}[]@",\t\n\r :=\\#%()\'éß0x') + ["title", "abstract", "@article{", "Subscribe", "\x00", "\ufeff"]
_texty = st.lists(st.sampled_from(_TOKENS), max_size=120).map("".join)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("random-input")


# database=None: keep the example database (.hypothesis/) out of the working tree.
@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(st.binary(max_size=400), _texty.map(lambda s: s.encode("utf-8"))),
    ext=st.sampled_from(EXTENSIONS),
    gzipped=st.booleans(),
)
# Found by this test in a full run: a BibTeX entry whose whole body (no comma, no '=') spans lines
# was taken for its key, and the key's newline broke the one-line error.
@example(data=b"@a{\x01\n\x01}", ext=".txt", gzipped=False)
def test_random_input_never_raises(scratch, data, ext, gzipped):
    path = scratch / f"random{ext}"
    path.write_bytes(gzip.compress(data) if gzipped else data)
    items = list(parse_file(path))
    assert items
    assert all(isinstance(i, (PaperRecord, Rejection)) for i in items)
    for item in items:
        assert item.source == path.name
        if isinstance(item, Rejection):
            assert item.reason and "\n" not in item.reason
