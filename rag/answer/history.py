"""Conversation history: check its format and rewrite a follow-up into a standalone question."""

from __future__ import annotations

from typing import Any, Callable

from rag.errors import UserError
from rag.question.referents import is_follow_up
from rag.text.words import content_words, words

_FORMAT = "history must be a list of {'role': 'user' or 'assistant', 'content': text} dicts (the OpenAI / Gradio messages format)"


def _text(content: Any) -> str | None:
    """Gradio may send content as a list of parts ({"type": "text", "text": ...}); files carry no text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") if isinstance(p, dict) else p if isinstance(p, str) else None for p in content]
        return None if None in parts else " ".join(parts)
    if isinstance(content, dict):
        return content.get("text") if isinstance(content.get("text"), str) else ""
    return None


def check_history(history: Any) -> list[dict[str, str]]:
    """Validate ``history`` and return it as plain {"role", "content": str} dicts.

    >>> check_history([{"role": "user", "content": "hi"}])
    [{'role': 'user', 'content': 'hi'}]
    """
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise UserError(f"{_FORMAT}; got {type(history).__name__}")
    clean = []
    for index, message in enumerate(history):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant", "system"):
            raise UserError(f"{_FORMAT}; message {index} is {str(message)[:60]!r}")
        text = _text(message.get("content"))
        if text is None:
            raise UserError(f"{_FORMAT}; message {index} has content of type {type(message.get('content')).__name__}")
        entry = {"role": message["role"], "content": text}
        for key in ("paper_ids", "scope_ids", "source_ids"):  # what an assistant turn cited, chose among, and retrieved
            ids = message.get(key)
            if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
                entry[key] = list(ids)
        clean.append(entry)
    return clean


class FollowUpRewriter:
    """Turns a follow-up into a standalone question before retrieval.

    With a model (``complete``), the model rewrites it. Without one, the documented rule:
    a follow-up (see :func:`is_follow_up`) gets the key terms of the earlier user questions
    it leans on appended, newest first, so "which of those is fastest?" after "papers on
    speculative decoding" retrieves on "speculative decoding" too.

    >>> FollowUpRewriter(6).rewrite("which of those is fastest?", [{"role": "user", "content": "speculative decoding papers"}])
    'which of those is fastest? (speculative decoding)'
    """

    def __init__(self, turns: int, complete: Callable[[str], str] | None = None, template: str | None = None):
        self.turns = turns
        self.complete = complete
        self.template = template

    def _rule(self, question: str, history: list[dict[str, str]]) -> str:
        terms: list[str] = []
        for message in reversed(history):
            if message["role"] != "user":
                continue
            terms += [w for w in content_words(message["content"]) if w not in terms and w not in words(question)]
            if not is_follow_up(message["content"]):
                break
        return f"{question} ({' '.join(terms[:12])})" if terms else question

    def rewrite(self, question: str, history: list[dict[str, str]]) -> str:
        history = history[-self.turns:] if self.turns else []
        if not any(m["role"] == "user" for m in history) or not is_follow_up(question):
            return question
        if self.complete is not None and self.template:
            transcript = "\n".join(f"{m['role']}: {m['content'][:500]}" for m in history)
            rewritten = self.complete(self.template.format(history=transcript, question=question)).strip().splitlines()
            if rewritten and 3 <= len(rewritten[0].strip()) <= 400:
                return rewritten[0].strip().strip('"')
        return self._rule(question, history)
