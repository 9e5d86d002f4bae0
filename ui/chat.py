"""Chat turns over the public Assistant API, independent of Gradio components.

Each browser session keeps its own list of turns (Gradio State); nothing here is shared
between sessions except the Assistant, so one conversation's history cannot leak into another.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Iterator

from rag import Answer, Assistant, TextDelta, UserError

log = logging.getLogger("rag.ui")


@dataclass
class ChatOptions:
    """What the Settings accordion sends with each question."""

    backend: str | None = None
    top_k: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    category: str | None = None
    source: str | None = None
    author: str | None = None
    without: tuple[str, ...] = ()  # plan filters the user removed with a chip

    def filters(self) -> dict[str, Any] | None:
        raw = {"year_from": self.year_from, "year_to": self.year_to, "category": self.category, "source": self.source, "author": self.author}
        clean = {k: (v.strip() if isinstance(v, str) else int(v)) for k, v in raw.items() if v not in (None, "") and str(v).strip()}
        if "year_from" in clean and "year_to" in clean and clean["year_from"] > clean["year_to"]:
            raise UserError(f"year range {clean['year_from']}–{clean['year_to']} is empty; put the earlier year in 'from'")
        return clean or None


def history_messages(turns: list[dict]) -> list[dict[str, str]]:
    """OpenAI-style messages for the previous turns (plain answer text, no HTML).

    Each answer goes back as the Answer made it (``Answer.message``): its cited papers travel with
    the text, so "which of them ..." can search within them.
    """
    messages: list[dict] = []
    for turn in turns:
        messages.append({"role": "user", "content": turn["question"]})
        if turn.get("answer"):
            messages.append(turn.get("message") or {"role": "assistant", "content": turn["answer"]})
    return messages


def friendly_error(exc: BaseException) -> str:
    """One line for the chat: UserErrors as written, anything else without a traceback."""
    if isinstance(exc, UserError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    log.exception("chat request failed")
    return f"something went wrong while answering ({type(exc).__name__}); try again, or check the server log"


class ChatRunner:
    """Runs one question: yields partial text while streaming, then the final Answer."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def stream(self, question: str, history: list[dict] | None, options: ChatOptions) -> Iterator[str | Answer]:
        """The text so far after each streamed piece, then the final Answer."""
        kwargs = {"history": history or None, "filters": options.filters(), "backend": options.backend or None, "top_k": options.top_k or None,
                  "without": list(options.without) or None}
        text = ""
        for event in self.assistant.stream(question, **kwargs):
            if isinstance(event, TextDelta):
                text += event.text
                yield text
            elif isinstance(event, Answer):
                yield event


def references_block(answer: Answer) -> str:
    """What follows the answer text in plain-text replies: the numbered references, then any notices."""
    lines = []
    if answer.citations:
        lines += ["", "References:", *answer.references()]
    lines += [f"note: {notice}" for notice in answer.notices]
    return "".join(f"\n{line}" for line in lines)


def references_text(answer: Answer) -> str:
    """The answer as plain text with a numbered reference list (what /chat and /v1 return)."""
    return answer.text.strip() + references_block(answer)


def turn_record(question: str, answer: Answer, elapsed_ms: float, msg_index: int) -> dict:
    """What a session remembers about one answered question (JSON-friendly, for State)."""
    return {
        "question": question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "backend": answer.backend,
        "elapsed_ms": elapsed_ms,
        "msg_index": msg_index,
        "cited_titles": [c.title for c in sorted(answer.citations, key=lambda c: c.number)],
        "citations": [c.__dict__ for c in answer.citations],
        "retrieved_ids": [h.paper_id for h in answer.sources],
        "message": answer.message(),
        "without": [],
    }


def now_ms() -> float:
    return time.perf_counter() * 1000.0
