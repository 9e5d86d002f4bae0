"""Question analysis by rules: kinds, compared sides, named methods, quantities (no model, a few ms)."""

import time

import pytest

from rag.question.planner import QuestionPlanner, compared_entities, named_entities, topic_clause, topic_phrase


@pytest.mark.parametrize("question, kind", [
    ("Which papers erase concepts from diffusion models?", "list"),
    ("What approaches exist for training-free guidance of diffusion models?", "list"),
    ("List the new parameter-efficient fine-tuning methods.", "list"),
    ("How do the speculative decoding papers compare in speedup?", "compare"),
    ("How does Medusa compare with EAGLE in speedup?", "compare"),
    ("Which is better, Medusa or EAGLE?", "compare"),
    ("What FID does RCG get on ImageNet 256x256?", "fact"),
    ("How many FLOPs does ClassPruning save?", "fact"),
    ("How compact is a Robust Weight Signature compared with a full weight copy?", "fact"),
    ("How does SpQR handle outlier weights?", "method"),
    ("How does MoE++ let tokens skip computation?", "method"),
    ("Does Medusa need to fine-tune the backbone LLM?", "yesno"),
])
def test_kind(question, kind):
    assert QuestionPlanner().plan(question).kind == kind


@pytest.mark.parametrize("question, sides", [
    ("How do LD-Pruner and A-SDM compare in speedup?", ["LD-Pruner", "A-SDM"]),
    ("How do token-wise feature caching, AT-EDM and StreamDiffusion compare in speedup?", ["token-wise feature caching", "AT-EDM", "StreamDiffusion"]),
    ("Medusa vs EAGLE: which is faster?", ["Medusa", "EAGLE"]),
    ("What is the difference between SPEED and RECE?", ["SPEED", "RECE"]),
    ("How do the VQGAN-based and GAN-based extreme image compression methods compare in bitrate?",
     ["VQGAN-based extreme image compression methods", "GAN-based extreme image compression methods"]),
    ("How does the later, extended version differ from the original?", []),  # sides described by nothing searchable
    ("How do the speculative decoding papers compare in speedup?", []),  # a topic, not sides
])
def test_compared_sides(question, sides):
    assert compared_entities(question) == sides


def test_named_entities_skip_question_words_and_join_adjacent_capitals():
    assert named_entities("Does Segment Anything beat U-Net on ISIC?") == ["Segment Anything", "U-Net", "ISIC"]
    assert named_entities("Which papers study LLM inference?") == []


def test_quantity_and_topic():
    plan = QuestionPlanner().plan("How do MoS and ETHER compare in parameter savings over LoRA?")
    assert plan.quantity == "parameters"
    assert topic_phrase("Which papers are about image inpainting?") == "image inpainting"
    assert topic_phrase("How do the speculative decoding papers compare in speedup?") == "speculative decoding speedup"


def test_planning_is_fast_and_needs_no_model():
    planner = QuestionPlanner()
    started = time.perf_counter()
    for _ in range(200):
        planner.plan("How do token-wise feature caching, AT-EDM and StreamDiffusion compare in speedup since 2024?")
    assert (time.perf_counter() - started) / 200 < 0.01  # well under the "few ms" budget, even on a loaded machine


def test_a_name_new_to_the_conversation_starts_fresh_unless_the_question_chooses_among_earlier_papers():
    history = [{"role": "user", "content": "Which papers prune language models without any retraining?"},
               {"role": "assistant", "content": "Two papers [1][2].", "paper_ids": ["p1", "p2"]}]
    planner = QuestionPlanner()
    # "RECE" was never mentioned: a question about it is about RECE, not the pruning papers.
    assert planner.plan("And does RECE need fine-tuning?", history).within == []
    # "which of those": LLaMA is what to look for among the papers already shown.
    chosen = planner.plan("Which of those were tested on LLaMA models?", history)
    assert chosen.follow_up and chosen.within == ["p1", "p2"]


def test_a_survey_request_is_a_list_about_its_topic_and_describe_how_is_a_method():
    planner = QuestionPlanner()
    for question, topic in [("Summarize the main approaches to pruning large language models.", "pruning large language models"),
                            ("Give me an overview of methods for image inpainting", "image inpainting"),
                            ("Outline the existing techniques for LLM quantization", "LLM quantization")]:
        assert planner.kind(question) == "list" and topic_clause(question) == (topic, False), question
    assert planner.kind("Describe how Medusa works") == "method"
    assert planner.kind("Explain how RECE erases concepts.") == "method"


def test_a_superlative_about_a_figure_compares_the_papers_that_report_it():
    planner = QuestionPlanner()
    for question in ("Which paper reports the highest speedup for LLM inference?", "Which method gets the best FID?"):
        assert planner.kind(question) == "compare", question
    assert planner.kind("Which papers are the most cited on pruning?") == "list"  # no figure asked: still a list


def test_which_one_of_the_methods_keeps_the_verb_phrase_for_the_opening():
    # The opening read "7 papers in the collection of the pruning methods needs no retraining".
    assert topic_clause("Which one of the pruning methods needs no retraining?") == ("needs no retraining", True)
    assert QuestionPlanner().kind("Which one needs no extra draft model?") == "list"


def test_how_many_papers_is_a_list_whose_opening_is_the_count():
    planner = QuestionPlanner()
    assert planner.kind("How many papers are about diffusion models?") == "list"
    assert topic_clause("How many papers are about diffusion models?") == ("diffusion models", False)
    assert topic_clause("How many papers study federated learning?") == ("study federated learning", True)
    assert planner.kind("How many parameters does ZeRO train?") == "fact"  # a figure of one paper, not a count of papers


@pytest.mark.parametrize("question, topic", [
    ("Summarize work on handling missing data.", "handling missing data"),
    ("what work is there on document retrieval and neural ranking models", "document retrieval and neural ranking models"),
    ("Summarize the research on token pruning.", "token pruning"),
    ("Are there any survey papers in the collection?", "survey papers"),
])
def test_more_ways_of_asking_for_the_papers_on_a_topic_are_lists(question, topic):
    # Each was answered as one fact, quoting one or two papers (probe-dev questions written blind to the code).
    assert QuestionPlanner().kind(question) == "list"
    assert topic_clause(question) == (topic, False)


def test_a_word_that_qualifies_the_approaches_is_not_the_topic():
    # "What are the main approaches to X?" was searched as "main to X" and opened "N papers address main to X".
    assert topic_clause("What are the main approaches to KV cache compression?") == ("KV cache compression", False)
    assert topic_phrase("What are the different methods for pruning LLMs?") == "pruning LLMs"
    assert topic_clause("What are the key techniques to reduce KV cache memory?") == ("reduce KV cache memory", True)
    # A topic's papers compared in a figure keep their topic.
    assert topic_clause("How do the speculative decoding papers compare in speedup?") == ("speculative decoding speedup", False)


@pytest.mark.parametrize("question, topic", [
    ("What are recent advances in speculative decoding?", "speculative decoding"),
    ("What has been done on neural audio codecs?", "neural audio codecs"),
    ("I need papers on continual learning.", "continual learning"),
    ("Any papers on mixture-of-experts?", "mixture-of-experts"),
    ("What do papers in the collection say about quantizing LLMs?", "quantizing LLMs"),
    ("Can you find papers about watermarking diffusion models?", "watermarking diffusion models"),
    ("Find work related to token pruning in vision transformers.", "token pruning in vision transformers"),
    ("What techniques are used for KV cache compression?", "KV cache compression"),
    ("What papers are there in the collection on pruning?", "pruning"),
    ("What are the state-of-the-art methods for concept erasure?", "concept erasure"),
])
def test_asking_for_the_state_of_a_field_is_a_list_about_that_field(question, topic):
    # Each was a fact answered from one paper, or a list searched with its request words ("find papers about ...",
    # "in the collection say about ...") and opened as if they were what the papers do.
    assert QuestionPlanner().kind(question) == "list"
    assert topic_clause(question) == (topic, False) and topic_phrase(question) == topic


def test_what_methods_are_used_to_do_something_keeps_the_verb():
    assert topic_clause("What methods are used to prune LLMs?") == ("prune LLMs", True)


def test_a_topic_switch_label_is_not_part_of_the_question():
    plan = QuestionPlanner().plan("Switching topics: which papers apply large language models to source code?",
                                  [{"role": "user", "content": "Which papers compress SAM?"}, {"role": "assistant", "content": "SlimSAM [1].", "paper_ids": ["p1"]}])
    assert plan.kind == "list" and plan.search_text.startswith("which papers") and not plan.within


def test_which_with_a_noun_before_the_one_is_no_list():
    # "Which datasets was the one ... evaluated on?" asks a fact of one paper: "one" far from "which" is no "which one".
    assert QuestionPlanner().kind("Which datasets was the one aimed at medical image segmentation evaluated on?") != "list"


@pytest.mark.parametrize("question, sides, quantity", [
    ("Which gives the bigger inference speedup, LoRD or SpQR?", ["LoRD", "SpQR"], "speedup"),
    ("How much memory do LoRAPrune and LoRA-enhanced distillation save?", ["LoRAPrune", "LoRA-enhanced distillation"], "memory"),
    ("Compare the Dice scores reported by SAM-UNet, the upgraded W-Net for 3D liver segmentation, and SPOCKMIP.",
     ["SAM-UNet", "upgraded W-Net for 3D liver segmentation", "SPOCKMIP"], "Dice"),
    ("Compare the perplexity of SparseGPT and Wanda on LLaMA-7B.", ["SparseGPT", "Wanda"], "perplexity"),
])
def test_figures_asked_of_named_papers_are_compares_with_those_sides(question, sides, quantity):
    plan = QuestionPlanner().plan(question)
    assert (plan.kind, plan.entities, plan.quantity) == ("compare", sides, quantity)
    # One named method, and names of models it was tested on, are no compare.
    assert QuestionPlanner().kind("How much memory does SparseGPT save on LLaMA and OPT?") == "fact"


@pytest.mark.parametrize("question", ["What is the key idea of Score identity Distillation (SiD)?", "What is the main contribution of RECE?",
                                      "What does Medusa propose?"])
def test_asking_for_the_idea_or_contribution_of_a_method_is_a_method_question(question):
    # Answered as a fact, "the key idea of SiD" quoted a result sentence before the one that says what SiD is.
    assert QuestionPlanner().kind(question) == "method"
    assert QuestionPlanner().kind("What is the speedup of Medusa?") == "fact"


@pytest.mark.parametrize("question, kind, count", [
    ("Tell me about Medusa.", "method", None), ("What is RECE?", "method", None), ("What is the speedup?", "fact", None),
    ("papers on token merging", "list", None), ("Give me 3 papers on speculative decoding", "list", 3),
    ("Can you recommend some work on token pruning?", "list", None), ("Could you list papers on watermarking?", "list", None),
])
def test_requests_as_people_type_them(question, kind, count):
    # Each was answered as a one-paper fact (or refused: "Tell me about Medusa." with Medusa's paper first).
    plan = QuestionPlanner().plan(question)
    assert (plan.kind, plan.count) == (kind, count)


def test_two_specific_names_are_the_sides_of_a_compare_worded_without_and_or_versus():
    planner = QuestionPlanner()
    plan = planner.plan("What does ZeRO++ add on top of ZeRO, and how do the gains reported by the two papers compare?")
    assert plan.kind == "compare" and plan.entities == ["ZeRO++", "ZeRO"]
    assert planner.kind("What does the holistic version add on top of the original method?") == "compare"
    # A topic's papers compared on two testbeds: the names are where they were tested, not sides.
    assert planner.plan("How do the pruning papers compare on LLaMA-7B and OPT-13B?").entities == []


def test_parameters_are_a_quantity_when_asked_as_a_size_not_as_what_a_method_handles():
    from rag.question.quantities import asked_quantity, reports_quantity

    assert asked_quantity("How do TIES-Merging and DARE differ in the way they handle redundant fine-tuned parameters?") is None
    assert asked_quantity("How many extra parameters do the Medusa heads add?") == "parameters"
    assert asked_quantity("How do LoRA and DoRA compare in terms of parameters?") == "parameters"
    # Memory saved is also reported as storage or model size.
    assert reports_quantity("Lossless compression often saves 33% and at times over 50% of the model size.", "memory")


@pytest.mark.parametrize("question", [
    "Classifier-free guidance roughly doubles the network evaluations per denoising step. Which papers try to cut that extra sampling cost?",
    "What learnable pooling operators have been proposed as drop-in replacements for plain max or average pooling?",
    "I'm interested in linear state-space layers of the S4/Mamba family. What theory, parameterization and application papers are there?",
    "What work addresses recovering training state when large language model training runs fail?",
    "Are there surveys or new algorithms on deciding which unlabeled examples should be sent to annotators?",
])
def test_literature_questions_worded_as_a_researcher_would_are_lists(question):
    # Each was answered from one paper's sentences, as a fact or a yes/no question.
    assert QuestionPlanner().kind(question) == "list"


def test_a_question_with_context_first_opens_with_its_ask_and_searches_with_its_context():
    question = "Classifier-free guidance doubles the evaluations per step. Which papers try to cut that extra cost?"
    assert topic_clause(question) == ("try to cut that extra cost", True)
    assert topic_phrase(question).startswith("Classifier-free guidance doubles") and topic_phrase(question).endswith("cut that extra cost")
    interested = "I'm interested in linear state-space layers as alternatives to attention. What application papers are there?"
    assert topic_clause(interested) == ("linear state-space layers as alternatives to attention", False)
    assert topic_clause("What pooling operators have been proposed as replacements for max pooling?") == (
        "pooling operators proposed as replacements for max pooling", False)
    assert topic_clause("What work addresses recovering training state?") == ("addresses recovering training state", True)
