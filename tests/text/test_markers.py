"""The one marker grammar: what counts as a citation, and every operation on it."""

import pytest

from rag.text.markers import cite, cited_numbers, count_markers, defuse_markers, find_markers, marker_numbers, rewrite_markers, strip_markers


@pytest.mark.parametrize("group, numbers", [
    ("1", [1]), ("1, 3", [1, 3]), ("1;3", [1, 3]), ("2-4", [2, 3, 4]), ("2–4", [2, 3, 4]), ("1, 3–5", [1, 3, 4, 5]),
    ("4-2", [4, 2]),          # a backwards "range" is two numbers, not an empty range
    ("1-1000", [1, 1000]),    # longer than MAX_RANGE: not expanded into a thousand citations
])
def test_marker_numbers(group, numbers):
    assert marker_numbers(group) == numbers


def test_find_markers_positions_and_numbers():
    text = "A [1]. B [ 2 , 3 ]. C [4–5]. Not a marker: [a], [], (6)."
    found = find_markers(text)
    assert [m.numbers for m in found] == [[1], [2, 3], [4, 5]]
    assert [text[m.start:m.end] for m in found] == ["[1]", "[ 2 , 3 ]", "[4–5]"]


def test_counting_reads_ranges_like_the_validator():
    # The evaluation once counted "[2–4]" as nothing while the validator expanded it: one grammar now.
    assert count_markers("A [1]. B [2, 3]. C [2–4].") == 6
    assert cited_numbers("x [3][1]") == [3, 1]


def test_strip_and_defuse():
    assert strip_markers("It is 2x faster [1][2, 3].") == "It is 2x faster."
    assert strip_markers("no markers") == "no markers"
    assert defuse_markers("as in [7] and [1–2]") == "as in (7) and (1–2)"
    assert find_markers(defuse_markers("planted [1] marker")) == []


def test_cite_puts_the_marker_before_the_full_stop():
    assert cite("It is 64.38%.", 1) == "It is 64.38% [1]."
    assert cite("Really?", 2) == "Really [2]?"
    assert cite("no stop", 3) == "no stop [3]"


def test_rewrite_markers_renumbers_and_tidies():
    mapping = {5: 1, 2: 2}
    text = rewrite_markers("B [5]. A [2, 9]. Gone [9].", lambda ns: [mapping[n] for n in ns if n in mapping])
    assert text == "B [1]. A [2]. Gone."
