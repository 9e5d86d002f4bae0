"""Alternatives a question offers ("A or B"), and coverage read once per alternative."""

from __future__ import annotations

from rag.text.alternatives import alternatives, readings


def test_each_alternative_is_found_with_its_own_words_and_the_common_words_stay_out():
    assert alternatives("Which papers use flow matching or normalizing flows?") == [["flow matching", "normalizing flows"]]
    # A comma list, introduced by "such as" / "by", with or without the serial comma.
    assert alternatives("Which papers use curvature such as Hessians, the Fisher information, or loss curvature?") == [
        ["Hessians", "Fisher information", "loss curvature"]]
    assert alternatives("Which papers speed up sampling by distillation, adversarial training or reflow?") == [
        ["distillation", "adversarial training", "reflow"]]
    # The object after the last verb is common to both: "the same weights" is asked either way.
    assert alternatives("Which papers cut parameters by sharing or reusing the same weights?") == [["sharing", "reusing"]]
    # Without commas, the first item is no longer than the last.
    assert alternatives("Does SparseGPT need retraining or calibration data?") == [["need retraining", "calibration data"]]


def test_phrases_with_or_that_offer_no_alternatives():
    assert alternatives("Does it hold whether or not the model is fine-tuned?") == []
    assert alternatives("Which papers speed up LLM decoding?") == []
    assert alternatives("Is the speedup more or less than 2x?") == []


def test_readings_keep_the_groups_share_of_the_question():
    weights = {"use": 0.5, "flow": 1.0, "match": 2.0, "normal": 2.0}
    views = readings(weights, [[{"flow", "match"}, {"normal", "flow"}]])
    assert [sorted(v) for v in views] == [["flow", "match", "use"], ["flow", "normal", "use"]]
    # Each reading weighs as much as the question: a paper holding neither alternative misses as much as before.
    assert all(abs(sum(v.values()) - sum(weights.values())) < 1e-9 for v in views)
    assert readings(weights, []) == [weights]
    # Two groups: one reading per combination.
    assert len(readings({"a": 1, "b": 1, "c": 1, "d": 1}, [[{"a"}, {"b"}], [{"c"}, {"d"}]])) == 4


def test_a_paper_holding_one_alternative_covers_the_question(sample_assistant):
    # PeriodWave is about flow matching only: read as one question it covered little more than half of it.
    answerer = sample_assistant.components.answerer
    plan = answerer.planner.plan("Which papers use flow matching or normalizing flows?", [])
    hits = [h for h in sample_assistant.retrieve("flow matching waveform generation", top_k=10) if h.title.startswith("PeriodWave")]
    assert hits, "the sample holds PeriodWave"
    _, [evidence] = answerer.read_evidence(plan, hits)
    whole = answerer.evidence.read(plan.question, [answerer.question_weights(plan.question)], hits)[0]
    assert whole.coverage < 0.7 and evidence.coverage > whole.coverage + 0.15
    assert evidence.title_coverage > whole.title_coverage + 0.15  # "Flow Matching" is in its title
