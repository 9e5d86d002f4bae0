"""What a question rules out, and which texts affirm it (rag.text.negation)."""

from rag.storage.bm25 import BM25Tokenizer
from rag.text.negation import contradicts, negated_phrases, negated_stem_phrases, negated_terms, negated_words, negation_aware

TOKENIZER = BM25Tokenizer()


def stems(found) -> set[str]:
    return set(TOKENIZER.tokenize([" ".join(found)])[0])


def test_negations_and_free_suffixes_name_what_is_ruled_out():
    assert negated_words("Which of them needs no fine-tuning?") == {"fine-tuning"}
    assert negated_words("Which papers prune language models without any retraining?") == {"retraining"}
    assert negated_words("PhotoVerse: Tuning-Free Image Customization") == {"tuning"}
    assert negated_words("it involves no fine-tuning of the target LLM, and keeps the distribution") == {"fine-tuning", "target"}


def test_affirmations_and_not_only_negate_nothing():
    assert negated_words("Medusa is directly fine-tuned on top of a frozen backbone LLM.") == set()
    assert negated_words("It not only reduces cost but also speeds up decoding.") == set()


def test_a_papers_own_avoidance_counts_but_a_question_that_asks_to_remove_something_is_no_negation():
    assert negated_words("It eliminates the need for test time tuning.", own=True) >= {"test", "time", "tuning"}
    assert negated_words("We avoid costly retraining.", own=True) == {"retraining"}
    # "remove noise", "avoid collisions" in a question ask for denoising and collision avoidance.
    assert negated_words("Which papers avoid collisions or remove noise?") == set()


def test_a_negated_word_matches_only_where_the_text_negates_it_too():
    asked = negated_terms("Which of them needs no fine-tuning?", stems)
    assert asked == {"fine", "tune"}
    medusa = stems(["medusa", "is", "fine-tuned", "on", "a", "frozen", "backbone"])
    eagle = stems(["eagle", "involves", "no", "fine-tuning"])
    assert negation_aware(asked, medusa, set()) == medusa - asked
    assert negation_aware(asked, eagle, negated_terms("EAGLE involves no fine-tuning", stems, own=True)) == eagle


def test_a_text_contradicts_only_by_affirming_a_whole_negated_phrase():
    phrases = negated_stem_phrases("Which papers find subnetworks without weight training?", stems)
    assert negated_phrases("Which papers find subnetworks without weight training?") == [["weight", "training"]]
    assert contradicts(phrases, stems(["we", "train", "the", "weights"]), set())
    assert not contradicts(phrases, stems(["we", "prune", "the", "weights"]), set())
    assert not contradicts(phrases, stems(["we", "train", "no", "weights"]), {"weight"})
