"""A tiny OpenAI-compatible chat server on loopback that misbehaves on purpose.

Reliability tests need a model server that is slow, returns garbage, invents citations or
leaks the API key back in an error body. No real server does these on demand, so this one
is hand-written on the standard library (a real LLM cannot be made to fail this way here).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _sse(text: str) -> bytes:
    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake",
             "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()


class MisbehavingLLM:
    """``mode``: slow | malformed | reply (streams ``reply``) | reject_echo (401 echoing the key).

    >>> with MisbehavingLLM("slow", delay_s=30) as server:   # doctest: +SKIP
    ...     server.base_url
    """

    def __init__(self, mode: str, reply: str = "", delay_s: float = 30.0):
        self.mode, self.reply, self.delay_s = mode, reply, delay_s
        self.requests: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # http.server names handlers this way
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.requests.append({"path": self.path, "auth": self.headers.get("Authorization", ""), "body": body})
                owner._answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        if self.mode == "slow":
            time.sleep(self.delay_s)  # longer than the client's timeout: the client must give up first
            payload, status, kind = _sse("too late [1]."), 200, "text/event-stream"
        elif self.mode == "malformed":
            payload, status, kind = b"data: {not json at all\n\ndata: \x00\xff garbage\n\n", 200, "text/event-stream"
        elif self.mode == "reject_echo":
            # A careless server that repeats the credentials it was sent in its error body.
            auth = handler.headers.get("Authorization", "")
            payload = json.dumps({"error": {"message": f"invalid key: {auth}", "type": "invalid_request_error"}}).encode()
            status, kind = 401, "application/json"
        else:
            payload, status, kind = _sse(self.reply), 200, "text/event-stream"
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client already gave up (the slow case)

    def __enter__(self) -> "MisbehavingLLM":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
