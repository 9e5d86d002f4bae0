"""Follow-ups: what "them", "the second one" and "which ones" point to."""

from rag.question.referents import Referents, chooses_among_earlier, describes_one, is_follow_up, papers_of, refers_to_one


def history(ids, scope=(), sources=()):
    return [{"role": "user", "content": "Which papers do X?"},
            {"role": "assistant", "content": "2 papers ...", "paper_ids": list(ids), "scope_ids": list(scope), "source_ids": list(sources)}]


def test_cues():
    assert is_follow_up("and which of those is fastest?") and is_follow_up("Does it keep the output distribution?")
    assert is_follow_up("Tell me more about the second one.")
    assert not is_follow_up("Which papers erase concepts from text-to-image diffusion models?")


def test_scope_is_the_previous_answers_papers_or_one_of_them():
    referents = Referents()
    assert referents.scope("Which of them needs no tuning?", history(["a", "b", "c"])) == (["a", "b", "c"], True)
    assert referents.scope("How fast is the second one?", history(["a", "b", "c"])) == (["b"], True)
    assert referents.scope("And the last one?", history(["a", "b", "c"])) == (["c"], True)
    assert referents.scope("What does [3] report?", history(["a", "b", "c"]))[0] == ["c"]
    assert referents.scope("Which papers do Y?", history(["a"])) == ([], False)
    assert referents.scope("Which of them?", []) == ([], False)


def test_a_second_selection_chooses_among_the_same_papers_again():
    narrowed = history(["b"], scope=["a", "b", "c"])
    assert Referents().scope("And which ones propose a metric?", narrowed)[0] == ["a", "b", "c"]
    assert Referents().scope("Does it need training?", narrowed)[0] == ["b"]


def test_a_choice_right_after_a_list_also_weighs_the_lists_nearest_uncited_papers():
    # The list's cut may have left out a paper on the topic; "which of those ..." may be asking for it.
    listed = history(["a", "b"], sources=["a", "x1", "b", "x2", "x3", "x4"])
    assert Referents().scope("Which of those uses evolution strategies?", listed)[0] == ["a", "b", "x1", "x2", "x3"]
    assert Referents().scope("What about pre-trained models?", listed)[0] == ["a", "b", "x1", "x2", "x3"]
    # "it", an ordinal or a marker points at what was cited, never at an uncited paper.
    assert Referents().scope("How fast is it?", listed)[0] == ["a", "b"]
    assert Referents().scope("How fast is the second one?", listed)[0] == ["b"]


def test_what_about_after_a_choice_asks_the_same_papers_again():
    narrowed = history(["b"], scope=["a", "b", "c"])
    assert Referents().scope("What about a new evaluation metric?", narrowed)[0] == ["a", "b", "c"]


def test_papers_are_read_back_from_a_references_block_without_ids():
    message = {"role": "assistant", "content": "Medusa [1] and EAGLE [2].\n\nReferences:\n[1] Medusa: Simple LLM Inference (T. Cai, 2024) https://x\n[2] EAGLE: Speculative Sampling"}
    titles = {"medusa simple llm inference": "p-medusa", "eagle speculative sampling": "p-eagle"}
    assert papers_of(message, titles.get) == ["p-medusa", "p-eagle"]


def test_a_question_about_one_earlier_paper_is_told_from_a_choice_or_an_impersonal_it():
    assert refers_to_one("Does it use a transformer?") and refers_to_one("What is its bitrate?")
    assert refers_to_one("What bitrate does the third one reach?") and refers_to_one("What does paper [2] report?")
    assert not refers_to_one("Which of them uses reinforcement learning?")
    assert not refers_to_one("Is it possible to prune LLMs without retraining?")


def test_which_one_after_an_answer_is_a_follow_up():
    # "Which one needs no extra draft model?" after a compare of three papers was read as a fresh fact question.
    assert is_follow_up("Which one needs no extra draft model?") and is_follow_up("Which ones were tested on LLaMA?")


def test_the_one_named_by_what_it_does_is_a_choice_among_earlier_papers():
    for question in ("How does the one made only for video get its speedup?", "Which datasets was the one aimed at medical images evaluated on?",
                     "Does the paper that uses wavelets need 3D data?"):
        assert describes_one(question) and chooses_among_earlier(question) and is_follow_up(question), question
    assert not describes_one("Which one needs no draft model?")  # a choice, but not of one described paper
    assert not describes_one("Is this the one true method?")


def test_the_other_one_is_among_the_earlier_list_without_the_paper_just_discussed():
    # A list of codecs, then a question about one of them, then "the other codec": the list's other papers,
    # of which the evidence picks the one the description fits (describes_one).
    turns = history(["a", "b", "c"]) + history(["b"])
    assert Referents().scope("And how does the other codec stabilise training?", turns) == (["a", "c"], True)
    assert describes_one("And how does the other codec stabilise training?") and not describes_one("What do the other papers report?")
    assert is_follow_up("How does the other method train?") and not is_follow_up("On the other hand, which papers prune LLMs?")
