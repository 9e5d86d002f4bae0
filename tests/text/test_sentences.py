"""The one sentence splitter."""

from rag.text.sentences import split_sentences


def test_abbreviations_and_numbers_stay_inside_their_sentence():
    text = "We compare e.g. Medusa vs. EAGLE, see Fig. 2. It is 2.5x faster [1]. Done."
    assert split_sentences(text) == ["We compare e.g. Medusa vs. EAGLE, see Fig. 2.", "It is 2.5x faster [1].", "Done."]


def test_whitespace_line_breaks_and_empty_input():
    assert split_sentences("  One line   spaced.   Two. ") == ["One line spaced.", "Two."]
    assert split_sentences("Opening:\n- item one [1].\n\n| a | b |") == ["Opening:", "- item one [1].", "| a | b |"]
    assert split_sentences("") == [] and split_sentences(None) == []


def test_lowercase_after_a_full_stop_is_not_a_boundary():
    assert split_sentences("Accuracy rises to 91.2 vs. 88.1 on test. the end.") == ["Accuracy rises to 91.2 vs. 88.1 on test. the end."]
