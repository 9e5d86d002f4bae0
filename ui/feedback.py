"""Thumbs up/down on an answer, appended to data_dir/feedback.jsonl in the eval question schema."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path


class FeedbackLog:
    """Appends one JSON line per vote. Thumbs-up answers become candidate gold questions.

    >>> log = FeedbackLog(Path("/tmp/rag-doc-feedback.jsonl"))   # doctest: +SKIP
    >>> log.record(True, {"question": "q", "answer": "a [1]", "cited_titles": ["T"], "abstained": False})  # doctest: +SKIP
    """

    def __init__(self, path: Path):
        self.path = path
        # Several sessions may vote at once; one line must never interleave with another.
        self._lock = threading.Lock()

    def record(self, liked: bool, turn: dict) -> dict:
        cited = list(turn.get("cited_titles", []))
        record = {
            "id": f"feedback-{uuid.uuid4().hex[:12]}",
            "type": "absent" if turn.get("abstained") else "topic",
            "question": turn["question"],
            "gold_titles": cited if liked else [],
            "answer_keywords": [],
            "feedback": "up" if liked else "down",
            "answer": turn.get("answer", ""),
            "cited_titles": cited,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
        return record
