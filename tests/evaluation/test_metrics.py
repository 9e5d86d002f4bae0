"""Every evaluation metric against values computed by hand, edge cases included."""

from __future__ import annotations

import math

import pytest

from rag.types import Answer, AnswerSentence, Citation
from rag.evaluation import metrics as m
from rag.text.markers import count_markers
from rag.evaluation.compare import paired_bootstrap
from rag.evaluation.questions import EvalQuestion, parse_question
from rag.evaluation.scoring import GoldResolver, QuestionResult, score_answer
from rag.types import Hit, PaperMeta

GOLD = {"a": 1.0, "b": 1.0}


def test_hit_at_k():
    ranked = ["x", None, "b", "a"]
    assert m.hit_at_k(ranked, GOLD, 1) == 0.0
    assert m.hit_at_k(ranked, GOLD, 2) == 0.0
    assert m.hit_at_k(ranked, GOLD, 3) == 1.0


def test_recall_at_k_and_k_larger_than_list():
    ranked = [None, "b", None]
    assert m.recall_at_k(ranked, GOLD, 1) == 0.0
    assert m.recall_at_k(ranked, GOLD, 2) == 0.5
    assert m.recall_at_k(ranked, GOLD, 20) == 0.5  # k beyond the list: only what is there counts
    assert m.hit_at_k(ranked, GOLD, 20) == 1.0


def test_duplicates_count_once():
    assert m.recall_at_k(["a", "a", "a"], GOLD, 3) == 0.5
    # DCG with the duplicate blanked: 1/log2(2) only; IDCG = 1 + 1/log2(3)
    assert m.ndcg_at_k(["a", "a"], GOLD, 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_reciprocal_rank():
    assert m.reciprocal_rank([None, None, "a"], GOLD) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["b"], GOLD) == 1.0
    assert m.reciprocal_rank([None, None], GOLD) == 0.0
    assert m.reciprocal_rank([], GOLD) == 0.0


def test_no_gold_is_undefined_not_zero():
    for value in (m.hit_at_k(["a"], {}, 5), m.recall_at_k(["a"], {}, 5), m.reciprocal_rank(["a"], {}), m.ndcg_at_k(["a"], {}, 10)):
        assert value is None
    assert m.mean([None, 1.0, 0.0]) == 0.5
    assert m.mean([None]) is None


def test_binary_ndcg():
    # gold at ranks 2 and 3: DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert m.ndcg_at_k([None, "a", "b"], GOLD, 10) == pytest.approx(expected)
    assert m.ndcg_at_k(["a", "b"], GOLD, 10) == pytest.approx(1.0)
    assert m.ndcg_at_k([None, "a"], GOLD, 1) == 0.0


def test_graded_ndcg():
    grades = {"a": 3.0, "b": 1.0}
    # b first, a second: DCG = 1 + 3/log2(3); ideal: 3 + 1/log2(3)
    expected = (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3))
    assert m.ndcg_at_k(["b", "a"], grades, 10) == pytest.approx(expected)
    assert m.ndcg_at_k(["a", "b"], grades, 10) == pytest.approx(1.0)


def test_keywords_groups_and_alternatives():
    groups = [["2.2", "2.2x"], ["Medusa"]]
    assert m.keyword_correct("Medusa-1 gives a 2.2x speedup [1].", groups) == 1.0
    assert m.keyword_groups_matched("a 2.2x speedup", groups) == 0.5
    assert m.keyword_correct("a 2.25x speedup with medusa", groups) == 0.0  # 2.2 must not match inside 2.25
    assert m.keyword_correct("", groups) == 0.0  # empty answer
    assert m.keyword_correct("anything", []) is None


def test_citation_precision_recall():
    assert m.citation_precision(["a", "x"], GOLD) == 0.5
    assert m.citation_precision(["a", "a", "x"], GOLD) == 0.5  # duplicate citation counts once
    assert m.citation_recall(["a", "a"], GOLD) == 0.5
    assert m.citation_precision([], GOLD) is None
    assert m.citation_recall([], GOLD) == 0.0
    assert m.citation_recall(["a"], {}) is None


def test_invalid_and_uncited_rates():
    assert count_markers("A [1]. B [2, 3]. C.") == 3
    assert m.invalid_citation_rate(1, 3) == 0.25
    assert m.invalid_citation_rate(0, 0) is None
    assert m.uncited_sentence_rate([[1], [], [2, 3], []]) == 0.5
    assert m.uncited_sentence_rate([]) is None


def test_abstention():
    assert m.abstention_correct(True, answerable=False) == 1.0
    assert m.abstention_correct(False, answerable=False) == 0.0
    assert m.abstention_correct(True, answerable=True) is None
    assert m.false_abstention(True, answerable=True) == 1.0
    assert m.false_abstention(False, answerable=False) is None


def test_percentile():
    assert m.percentile([10, 20, 30, 40], 50) == 25.0
    assert m.percentile([1.0] * 3 + [100.0], 95) == pytest.approx(85.15)
    assert m.percentile([], 50) is None


def test_paired_bootstrap_is_reproducible_and_brackets_the_mean():
    a = [0, 1, 0, 1, 1, 0, 0, 1, 0, 0]
    b = [1, 1, 0, 1, 1, 1, 0, 1, 1, 0]
    diff, low, high = paired_bootstrap(a, b, 2000, seed=3)
    assert diff == pytest.approx(0.3)
    assert low <= diff <= high and low >= 0.0 and high <= 0.7
    assert paired_bootstrap(a, b, 2000, seed=3) == (diff, low, high)
    same = paired_bootstrap(a, a, 500, seed=0)
    assert same == (0.0, 0.0, 0.0)


def _hit(pid: str, title: str) -> Hit:
    return Hit(paper_id=pid, title=title, score=0.9, abstract=f"{title}. It works well.", metadata=PaperMeta())


def test_score_answer_on_a_hand_built_answer():
    question = parse_question({"id": "q", "type": "fact", "question": "speedup?", "gold_titles": ["Medusa: Simple LLM  inference!"],
                               "gold_ids": ["2401.99999"], "answer_keywords": [["2.2"]], "feedback": "up", "answer": "ignored"})
    grades = GoldResolver(lambda norm: None).resolve(question)
    assert grades == {"arxiv:2401.99999": 1.0, "title:medusa simple llm inference": 1.0}
    answer = Answer(
        question="speedup?", text="Medusa reaches 2.2x [1]. It is simple [2]. Also fast.",
        citations=[Citation(1, "arxiv:1", "MEDUSA: simple LLM inference", None), Citation(2, "arxiv:7", "Other", None)],
        sources=[_hit("arxiv:7", "Other"), _hit("arxiv:1", "MEDUSA: simple LLM inference"), _hit("arxiv:2401.99999", "Real")],
        sentences=[AnswerSentence("Medusa reaches 2.2x [1].", [1]), AnswerSentence("It is simple [2].", [2]), AnswerSentence("Also fast.", [])],
        invalid_citations_before_validation=1,
    )
    s = score_answer(question, answer, grades, ks=(1, 5), ndcg_k=10)
    assert (s["hit@1"], s["hit@5"], s["recall@1"], s["recall@5"]) == (0.0, 1.0, 0.0, 1.0)
    assert s["mrr"] == 0.5
    assert s["keyword_correct"] == 1.0
    assert (s["citation_precision"], s["citation_recall"]) == (0.5, 0.5)
    assert s["invalid_citation_rate"] == pytest.approx(1 / 3)
    assert s["uncited_sentence_rate"] == pytest.approx(1 / 3)
    assert (s["abstention_accuracy"], s["false_abstention"]) == (None, 0.0)


def test_unanswerable_and_empty_answer():
    question = EvalQuestion(id="x", type="absent", question="quantum cooking?")
    assert not question.answerable
    abstained = Answer(question="quantum cooking?", text="The collection has nothing on this.", abstained=True)
    s = score_answer(question, abstained, {}, ks=(1,))
    assert s["abstention_accuracy"] == 1.0 and s["false_abstention"] is None
    assert s["hit@1"] is None and s["citation_precision"] is None and s["keyword_correct"] is None
    empty = Answer(question="q", text="")
    answerable = EvalQuestion(id="y", type="fact", question="q", gold_ids=["arxiv:1"], answer_keywords=[["x"]])
    s = score_answer(answerable, empty, {"arxiv:1": 1.0}, ks=(1,))
    assert s["keyword_correct"] == 0.0 and s["citation_recall"] == 0.0 and s["uncited_sentence_rate"] is None


def test_passed_definition_and_failure_reasons():
    gold_cite = [{"number": 1, "paper_id": "g", "title": "Gold", "gold": True}]
    base = dict(id="q", type="fact", question="q", answerable=True, gold={"g": 1.0}, gold_titles=["Gold"], retrieved=[],
                answer="It is 2.2x faster [1].", citations=gold_cite, backend="extractive", timings={}, answer_keywords=[["2.2"]])
    assert QuestionResult(**base, abstained=False, metrics={}).passed
    assert QuestionResult(**base, abstained=True, metrics={}).failures == ["abstained although the collection answers it"]
    assert QuestionResult(**{**base, "answer": "It is fast [1]."}, abstained=False, metrics={}).failures == ["missing keyword: 2.2"]
    uncited = QuestionResult(**{**base, "citations": []}, abstained=False, metrics={})
    assert uncited.failures == ["cited no gold paper (gold: Gold)"]
    other = [*gold_cite, {"number": 2, "paper_id": "x", "title": "Other", "gold": False}]
    topic = QuestionResult(**{**base, "type": "topic", "answer_keywords": [], "citations": other}, abstained=False, metrics={"citation_recall": 1.0})
    assert topic.failures == ["cited a paper outside the gold list: Other"]
    compare = QuestionResult(**{**base, "type": "compare", "answer_keywords": [], "gold_titles": ["Gold", "Second"]}, abstained=False, metrics={})
    assert compare.failures == ["missing paper: Second"]
    assert QuestionResult(**{**base, "answerable": False}, abstained=True, metrics={}).passed
    assert not QuestionResult(**{**base, "answerable": False}, abstained=False, metrics={}).passed


@pytest.mark.parametrize("line", [[1, 2], {"id": "a"}, {"id": "a", "question": " "}, {"question": "q"},
                                  {"id": "a", "question": "q", "gold_titles": [1]}, {"id": "a", "question": "q", "answer_keywords": "x"}])
def test_malformed_questions_are_rejected(line):
    with pytest.raises(ValueError):
        parse_question(line)
