"""Bad input: hostile files through parse_file and end to end through Assistant.ingest; odd questions.

tests/test_parsers.py already checks that random bytes never raise; here every kind of
damage sits next to valid entries in the same file, and those entries must still ingest.
"""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rag import Assistant
from rag.errors import UserError
from rag.ingest.parsers import parse_file
from rag.types import PaperRecord, Rejection

GOOD = [{"title": f"Valid Paper Number {i} on Robust Parsing", "abstract": f"Valid abstract {i} about robust parsing of damaged files."} for i in range(3)]
GARBAGE_LINES = [
    b"\x00\x01\x02 NUL and control bytes \x00",
    b"\xff\xfe\xfa invalid utf-8 \xc3\x28",
    "latin-1 caf\xe9 na\xefve".encode("latin-1"),
    b"[" * 20_000,  # deeply nested JSON
    b'{"title": "x", "abstract": "' + b"y" * (17 * 2**20) + b'"}',  # one line over the 16 MiB line limit
    b'{"title": "unterminated',
]


def _jsonl(records, garbage) -> bytes:
    lines = [json.dumps(r).encode() for r in records]
    # Garbage before, between and after the valid lines.
    return b"\n".join([garbage[0], lines[0], *garbage[1:], *lines[1:]]) + b"\n"


def _bibtex(records) -> str:
    entries = [f"@article{{good{i}, title={{{r['title']}}}, abstract={{{r['abstract']}}}}}" for i, r in enumerate(records)]
    # An entry with unbalanced braces in the middle, a stray NUL, and a truncated last entry.
    return "\n\n".join([entries[0], "@article{broken, title={Never {closed, abstract={x}", "\x00junk", *entries[1:], "@misc{cut, title = {Half"])


def _csv(records) -> bytes:
    rows = ["title,abstract", *(f'"{r["title"]}","{r["abstract"]}"' for r in records)]
    # A ragged row and a NUL row between valid ones. (An unclosed quote is not tried: in CSV
    # it rightly makes the rest of the file one field.)
    return ("\n".join([rows[0], rows[1], "a,b,c,d", "\x00,\x00", *rows[2:]]) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def damaged_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("damaged")
    (folder / "damaged.jsonl").write_bytes(_jsonl(GOOD, GARBAGE_LINES))
    (folder / "damaged.jsonl.gz").write_bytes(gzip.compress(_jsonl([{**r, "title": r["title"] + " (gz)"} for r in GOOD], GARBAGE_LINES)))
    (folder / "damaged.bib").write_text(_bibtex([{**r, "title": r["title"] + " (bib)"} for r in GOOD]), encoding="utf-8")
    (folder / "damaged.csv").write_bytes(_csv([{**r, "title": r["title"] + " (csv)"} for r in GOOD]))
    (folder / "random.bin").write_bytes(bytes(range(256)) * 40)
    return folder


def test_damaged_files_parse_to_valid_records_and_one_line_reports(damaged_dir):
    for path in sorted(damaged_dir.iterdir()):
        items = list(parse_file(path))
        records = [i for i in items if isinstance(i, PaperRecord)]
        rejections = [i for i in items if isinstance(i, Rejection)]
        assert rejections, path.name
        assert all(r.reason and "\n" not in r.reason for r in rejections)
        if path.name != "random.bin":
            assert len(records) == 3, (path.name, [str(r) for r in rejections])
            assert all("\x00" not in r.title + r.abstract for r in records)


def test_damaged_files_ingest_end_to_end(damaged_dir, tmp_path):
    assistant = Assistant(data_dir=tmp_path / "data")
    report = assistant.ingest([damaged_dir])
    assert report.added == 12  # 3 valid papers in each of the four damaged text files
    assert len(report.rejected) >= 12
    assert all("\n" not in str(r) for r in report.rejected)
    assert assistant.stats().papers == 12 and assistant.components.store.count() == assistant.stats().chunks
    titles = {h.title for h in assistant.retrieve("robust parsing of damaged files", top_k=12)}
    assert {"Valid Paper Number 1 on Robust Parsing (bib)", "Valid Paper Number 2 on Robust Parsing (csv)"} <= titles


# A valid line must survive any damage on the lines around it.
_noise = st.one_of(
    st.binary(max_size=300).map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" ")),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200).map(lambda t: t.replace("\n", " ").replace("\r", " ").encode("utf-8", "surrogatepass")),
    st.integers(1, 5000).map(lambda n: b"{" * n),
)


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(before=st.lists(_noise, max_size=4), after=st.lists(_noise, max_size=4))
def test_valid_jsonl_line_survives_surrounding_garbage(tmp_path_factory, before, after):
    # A file that opens with the gzip magic bytes is read as gzip (by design, whatever its name).
    assume(not (before and before[0].startswith(b"\x1f\x8b")))
    path = tmp_path_factory.mktemp("prop") / "mixed.jsonl"
    good = json.dumps(GOOD[0]).encode()
    path.write_bytes(b"\n".join([b"" if not before else before[0], good, *before[1:], *after]) + b"\n")
    items = list(parse_file(path))
    assert any(isinstance(i, PaperRecord) and i.title == GOOD[0]["title"] for i in items), [str(i) for i in items]
    assert all(isinstance(i, PaperRecord) or "\n" not in i.reason for i in items)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(junk=st.text(alphabet=st.sampled_from(list("{}@,=\"\\ abc\x00é")), max_size=200))
def test_valid_bibtex_entry_after_junk_survives(tmp_path_factory, junk):
    path = tmp_path_factory.mktemp("prop") / "mixed.bib"
    good = "@article{good, title={A Valid Entry}, abstract={It has an abstract.}}"
    # Junk in an entry of its own, closed by a blank line: the parser resynchronises at the next '@'.
    path.write_text(f"@misc{{junk, note={junk}\n\n{good}\n", encoding="utf-8")
    items = list(parse_file(path))
    assert any(isinstance(i, PaperRecord) and i.title == "A Valid Entry" for i in items), [str(i) for i in items]


# -- questions ---------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "???", " … !"])
def test_empty_question_is_one_line_user_error(sample_assistant, question):
    for call in (sample_assistant.retrieve, sample_assistant.ask):
        with pytest.raises(UserError) as info:
            call(question)
        assert "\n" not in str(info.value) and "question" in str(info.value)


def test_huge_question_is_truncated_with_a_warning(sample_assistant):
    question = "diffusion models concept erasure " * 3100  # ~100k characters
    assert len(question) > 100_000
    for call in (sample_assistant.retrieve, sample_assistant.ask):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = call(question)
        assert any("truncated" in str(w.message) for w in caught)
        assert result


ODD_QUESTIONS = [
    "concept erasure\x00 in \x1b[31mdiffusion\x07 models\x7f?",  # control characters
    "哪些论文研究扩散模型中的概念擦除？",  # Chinese
    "ما هي الأوراق التي تزيل المفاهيم من نماذج الانتشار؟",  # Arabic, right to left
    "🔥🤖 diffusion models 🎨 erase concepts? 👀",  # emoji
    "\u202egnidoced evitalucceps\u202c",  # a bidi override
]


@pytest.mark.parametrize("question", ODD_QUESTIONS)
def test_odd_questions_get_answers(sample_assistant, question):
    hits = sample_assistant.retrieve(question, top_k=5)
    assert hits and all(0 <= h.score <= 1 for h in hits)
    answer = sample_assistant.ask(question)
    assert answer.text.strip()
    assert answer.abstained or answer.citations
