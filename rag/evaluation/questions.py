"""Read an evaluation question file (JSON Lines). Bad lines are reported with their line number and skipped.

The same format is written by the UI's feedback button, so unknown keys ("feedback",
"answer", ...) are ignored rather than rejected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import UserError
from rag.ingest.identity import normalize_title


@dataclass
class EvalQuestion:
    """One question with whatever gold it has.

    >>> q = EvalQuestion(id="q1", type="fact", question="Who?", gold_titles=["A Paper"])
    >>> q.answerable
    True
    """

    id: str
    type: str
    question: str
    gold_titles: list[str] = field(default_factory=list)
    gold_ids: list[str] = field(default_factory=list)
    gold_grades: dict[str, float] = field(default_factory=dict)
    answer_keywords: list[list[str]] = field(default_factory=list)
    reference_answer: str | None = None

    @property
    def answerable(self) -> bool:
        """Unanswerable means type 'absent' or no gold paper at all."""
        return self.type != "absent" and bool(self.gold_titles or self.gold_ids or self.gold_grades)

    @property
    def normalized_gold_titles(self) -> list[str]:
        return [normalize_title(t) for t in self.gold_titles]


def _string_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{name}' must be a list of strings")
    return value


def _keyword_groups(value) -> list[list[str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("'answer_keywords' must be a list of groups (lists of alternatives)")
    return [_string_list(group, "answer_keywords group") for group in value]


def parse_question(obj) -> EvalQuestion:
    """Validate one decoded JSON value; raises ValueError naming the bad field."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    question = obj.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("missing or empty 'question'")
    if not isinstance(obj.get("id"), (str, int)) or str(obj["id"]).strip() == "":
        raise ValueError("missing 'id'")
    kind = obj.get("type") or "other"
    if not isinstance(kind, str):
        raise ValueError("'type' must be a string")
    grades = obj.get("gold_grades") or {}
    if not isinstance(grades, dict) or not all(isinstance(v, (int, float)) for v in grades.values()):
        raise ValueError("'gold_grades' must map paper ids to numbers")
    reference = obj.get("reference_answer")
    if reference is not None and not isinstance(reference, str):
        raise ValueError("'reference_answer' must be a string")
    return EvalQuestion(
        id=str(obj["id"]), type=kind, question=question,
        gold_titles=_string_list(obj.get("gold_titles"), "gold_titles"),
        gold_ids=_string_list(obj.get("gold_ids"), "gold_ids"),
        gold_grades={str(k): float(v) for k, v in grades.items() if float(v) > 0},
        answer_keywords=_keyword_groups(obj.get("answer_keywords")), reference_answer=reference,
    )


def load_questions(path: str | Path) -> tuple[list[EvalQuestion], list[str]]:
    """Questions and one message per rejected line ("file:3: not valid JSON ...; fix or delete the line").

    >>> questions, problems = load_questions("eval/questions/dev.jsonl")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"question file not found: {path}; pass a JSON Lines file of questions")
    questions: list[EvalQuestion] = []
    problems: list[str] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = parse_question(json.loads(line))
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{number}: not valid JSON ({exc.msg}); fix or delete the line")
                continue
            except ValueError as exc:
                problems.append(f"{path}:{number}: {exc}; fix or delete the line")
                continue
            if item.id in seen:
                problems.append(f"{path}:{number}: duplicate id '{item.id}'; give every question a unique id")
                continue
            seen.add(item.id)
            questions.append(item)
    if not questions:
        raise UserError(f"no usable questions in {path}" + (f" ({problems[0]})" if problems else "") + "; fix the file")
    return questions, problems


@dataclass
class Conversation:
    """A multi-turn conversation: each turn a question with its own gold, asked with the earlier turns as history."""

    id: str
    turns: list[EvalQuestion]


def load_conversations(path: str | Path) -> list[Conversation]:
    """Conversations from JSON Lines: ``{"id": ..., "turns": [{"question", "type", "gold_titles", ...}, ...]}``.

    Turn ids are ``<conversation id>.t<n>``. A bad line is a one-line UserError naming it.

    >>> [len(c.turns) for c in load_conversations("eval/questions/conversations-dev.jsonl")][:2]   # doctest: +SKIP
    [3, 3]
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"conversation file not found: {path}; pass a JSON Lines file of conversations")
    out: list[Conversation] = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("turns"), list) or not obj["turns"]:
                raise ValueError("needs an 'id' and a non-empty list of 'turns'")
            cid = str(obj.get("id") or f"conversation-{number}")
            turns = [parse_question({**turn, "id": f"{cid}.t{i}"}) for i, turn in enumerate(obj["turns"], 1)]
        except (json.JSONDecodeError, ValueError, TypeError) as exc:
            raise UserError(f"{path}:{number}: not a valid conversation ({exc}); fix or delete the line") from None
        out.append(Conversation(cid, turns))
    return out


def is_conversation_file(path: str | Path) -> bool:
    """Whether a question file holds conversations (its first JSON line has 'turns')."""
    with Path(path).open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                try:
                    return isinstance(json.loads(line), dict) and "turns" in json.loads(line)
                except json.JSONDecodeError:
                    return False
    return False


def load_question_files(paths) -> tuple[list, list[str]]:
    """Questions and conversations from one or more files (a conversation file is recognised by its 'turns'),
    plus one message per rejected line; EvalQuestion / Conversation objects in ``paths`` pass through."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    items: list = []
    problems: list[str] = []
    for entry in paths:
        if not isinstance(entry, (str, Path)):
            items.append(entry)
        elif is_conversation_file(entry):
            items += load_conversations(entry)
        else:
            loaded, bad = load_questions(entry)
            items += loaded
            problems += bad
    return items, problems
