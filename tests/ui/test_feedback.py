"""Feedback lines follow the eval question schema; thumbs-up turns cited titles into gold titles."""

import json
from concurrent.futures import ThreadPoolExecutor

from ui.feedback import FeedbackLog

TURN = {"question": "Which papers erase concepts?", "answer": "These [1].", "cited_titles": ["ACE"], "abstained": False}


def test_votes_append_schema_lines(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    log.record(True, TURN)
    log.record(False, TURN)
    up, down = [json.loads(line) for line in (tmp_path / "feedback.jsonl").read_text().splitlines()]
    for record in (up, down):
        assert {"id", "type", "question", "gold_titles", "answer_keywords", "feedback", "answer", "cited_titles"} <= set(record)
    assert up["feedback"] == "up" and up["gold_titles"] == ["ACE"]
    assert down["feedback"] == "down" and down["gold_titles"] == [] and down["cited_titles"] == ["ACE"]


def test_concurrent_votes_never_interleave(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: log.record(i % 2 == 0, {**TURN, "answer": "x" * 5000}), range(64)))
    lines = (tmp_path / "feedback.jsonl").read_text().splitlines()
    assert len(lines) == 64 and all(json.loads(line)["answer"] == "x" * 5000 for line in lines)
