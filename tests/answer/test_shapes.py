"""Shaped answers: figures read from sentences, the compare table, and list items."""

from rag.answer.shapes import Shaped, figure_in, figure_table
from rag.types import Citation


def test_figure_in_reads_the_asked_figure_not_a_name_or_a_year():
    assert figure_in("Medusa-1 can achieve over 2.2x speedup without compromising quality.", "speedup") == "2.2x"
    assert figure_in("Medusa-2: Medusa is fine-tuned together, with higher speedup.", "speedup") is None
    assert figure_in("In 2023, AT-EDM saved 38.8% FLOPs with up to 1.53x speed-up.", "speedup") == "1.53x"
    assert figure_in("It reaches 3.31 FID on ImageNet 256x256.", "FID") == "3.31"


def test_figure_table_needs_two_figures_and_uses_final_numbers():
    shaped = Shaped("", {"a": "2.2x", "b": "3x"}, {"a": "Medusa", "b": "EAGLE"})
    citations = [Citation(2, "b", "EAGLE: ...", None), Citation(1, "a", "Medusa: ...", None)]
    assert figure_table(shaped, citations, "speedup").splitlines() == [
        "| paper | method | reported speedup |", "|---|---|---|", "| 1 | Medusa | 2.2x |", "| 2 | EAGLE | 3x |"]
    assert figure_table(Shaped("", {"a": "2.2x"}, {}), citations, "speedup") == ""


def test_figures_reported_together_in_one_unit_come_together():
    sentence = "For instance, 2.36times and 1.93times acceleration are achieved on OpenSora and PixArt-alpha."
    assert figure_in(sentence, "speedup") == "2.36times and 1.93times"
    assert figure_in("Medusa-1 reaches 2.2x, 2.8x or 3.6x speedup.", "speedup") == "2.2x, 2.8x or 3.6x"
    # Another unit, or a figure of another clause, stays out.
    assert figure_in("We reduce the inference time by 34.9% while improving FID by 5.2%.", "speedup") == "34.9%"
    assert figure_in("It is 3x faster and saves 40% memory.", "speedup") == "3x"


def test_a_figure_that_ends_its_sentence_is_read_whole_and_a_version_is_not_a_figure():
    from rag.question.quantities import figures

    assert figure_in("Medusa-1 achieves a speedup of over 2.2x.", "speedup") == "2.2x"
    assert [m.group(1) for m in figures("It trains 40% faster than release 2.2.1 did.", "speedup")] == ["40%"]
    assert [m.group(1) for m in figures("It trains 40% faster.", "speedup")] == ["40%"]
