"""An OpenAI-compatible chat endpoint on the `rag serve` process: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Chat front-ends and scripts that speak the OpenAI protocol can use the assistant unchanged:

>>> from openai import OpenAI                                              # doctest: +SKIP
>>> client = OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="PASS")   # doctest: +SKIP
>>> reply = client.chat.completions.create(model="rag-extractive",         # doctest: +SKIP
...     messages=[{"role": "user", "content": "What speedup does Medusa report?"}])
>>> reply.choices[0].message.content, reply.model_extra["citations"]       # doctest: +SKIP

- The model name picks the answer backend: ``rag-extractive``, ``rag-local``, ``rag-openai``
  (``/v1/models`` lists the ones this configuration can run).
- Earlier messages are the conversation history, so "which of them ..." follows up.
- The answer keeps its [n] markers. References travel twice: as a final "References:" block in
  the message, so any client shows them, and as a ``citations`` field (paper id, title, url,
  evidence) on the response, or on the last chunk when streaming.
- The page's password applies: ``Authorization: Bearer PASS`` (or ``Bearer USER:PASS``), or
  HTTP basic auth. Failures are throttled with the page's logins (ui.throttle).

Hand-written on FastAPI rather than a library: the protocol is four JSON shapes, and what
matters here (validated citations riding along) no OpenAI-server package knows about.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
import uuid
from typing import Any, Iterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from rag import Answer, Assistant, TextDelta, UserError
from ui.chat import friendly_error, references_block, references_text

MODEL_PREFIX = "rag-"


def _error(status: int, message: str, kind: str = "invalid_request_error", code: str | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="rag", Basic realm="rag"'} if status == 401 else None
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": code}}, status_code=status, headers=headers)


def _authorized(request: Request, auth: tuple[str, str] | None) -> bool:
    if auth is None:
        return True
    user, password = auth
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return hmac.compare_digest(value.strip(), password) or hmac.compare_digest(value.strip(), f"{user}:{password}")
    if scheme.lower() == "basic":
        try:
            given = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(given, f"{user}:{password}")
    return False


def citations_field(answer: Answer) -> list[dict[str, Any]]:
    """The structured references: one entry per cited paper, in marker order."""
    return [{"number": c.number, "paper_id": c.paper_id, "title": c.title, "url": c.url, "evidence": list(c.evidence),
             "authors": list(c.authors), "year": c.year} for c in sorted(answer.citations, key=lambda c: c.number)]


def split_messages(messages: Any) -> tuple[str, list[dict[str, Any]]]:
    """(question, history): the last user message, and the user/assistant messages before it."""
    if not isinstance(messages, list) or not messages:
        raise UserError("'messages' must be a non-empty list of {role, content} objects")
    turns = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ("system", "developer", "user", "assistant", "tool"):
            raise UserError("each message needs a 'role' (system, user or assistant) and a 'content'")
        content = message.get("content")
        if isinstance(content, list):  # the content-parts form: keep its text parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        if message["role"] in ("user", "assistant") and isinstance(content, str):
            turns.append({"role": message["role"], "content": content})
    if not turns or turns[-1]["role"] != "user":
        raise UserError("the last message must be the user's question")
    return turns[-1]["content"], turns[:-1]


class ChatCompletions:
    """The routes, bound to one Assistant and the page's password."""

    def __init__(self, assistant: Assistant, auth: tuple[str, str] | None = None):
        self.assistant = assistant
        self.auth = auth

    def router(self) -> APIRouter:
        router = APIRouter()
        router.add_api_route("/v1/models", self.models, methods=["GET"])
        router.add_api_route("/v1/chat/completions", self.complete, methods=["POST"])
        return router

    def models(self, request: Request):
        if not _authorized(request, self.auth):
            return _error(401, "a valid API key (the server's password) is required", "authentication_error", "invalid_api_key")
        now = int(time.time())
        return {"object": "list", "data": [{"id": MODEL_PREFIX + b, "object": "model", "created": now, "owned_by": "rag"}
                                           for b in self.assistant.settings.configured_backends()]}

    async def complete(self, request: Request):
        if not _authorized(request, self.auth):
            return _error(401, "a valid API key (the server's password) is required", "authentication_error", "invalid_api_key")
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the request body is not valid JSON")
        if not isinstance(body, dict):
            return _error(400, "the request body must be a JSON object")
        model = body.get("model") or MODEL_PREFIX + self.assistant.settings.answer.backend
        backend = model.removeprefix(MODEL_PREFIX) if isinstance(model, str) else ""
        if backend not in self.assistant.settings.configured_backends():
            known = ", ".join(MODEL_PREFIX + b for b in self.assistant.settings.configured_backends())
            return _error(404, f"model '{model}' does not exist here; use one of {known}", code="model_not_found")
        try:
            question, history = split_messages(body.get("messages"))
            events = self.assistant.stream(question, history=history or None, backend=backend)
            # The answering step blocks (embedding, a model): it runs in the thread pool, never on the event loop.
            if body.get("stream"):
                first = await run_in_threadpool(next, events)  # errors in planning and retrieval come out here, before the stream
                return StreamingResponse(self._sse(model, first, events), media_type="text/event-stream")
            answer = await run_in_threadpool(lambda: next(e for e in events if isinstance(e, Answer)))
        except UserError as exc:
            return _error(400, friendly_error(exc))
        except Exception as exc:  # noqa: BLE001 - one line to the client, the traceback to the server log
            return _error(500, friendly_error(exc), "server_error")
        return self._completion(model, answer)

    @staticmethod
    def _completion(model: str, answer: Answer) -> dict[str, Any]:
        text = references_text(answer)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "citations": citations_field(answer), "abstained": answer.abstained,
        }

    @staticmethod
    def _sse(model: str, first: TextDelta | Answer, events: Iterator[TextDelta | Answer]) -> Iterator[str]:
        ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            payload = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        streamed, answer = "", None
        try:
            for event in _chain(first, events):
                if isinstance(event, TextDelta) and event.text:
                    streamed += event.text
                    yield chunk({"content": event.text})
                elif isinstance(event, Answer):
                    answer = event
        except Exception as exc:  # noqa: BLE001 - the stream has started: the error goes in it, as text
            yield chunk({"content": f"\n\nerror: {friendly_error(exc)}"}, "stop")
            yield "data: [DONE]\n\n"
            return
        tail = ""
        if answer is not None and streamed.strip() != answer.text.strip():
            # Validation changed what the model streamed (a removed marker, an extractive fallback):
            # the checked answer follows, so the client ends up with text whose citations hold.
            tail = "\n\n---\nChecked answer (citations validated):\n" + answer.text.strip()
        if answer is not None:
            tail += references_block(answer)
        if tail:
            yield chunk({"content": tail})
        yield chunk({}, "stop", citations=citations_field(answer) if answer else [], abstained=bool(answer and answer.abstained))
        yield "data: [DONE]\n\n"


def _chain(first, rest):
    yield first
    yield from rest
