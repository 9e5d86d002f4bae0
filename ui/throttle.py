"""Login throttling: failed password attempts back off exponentially, per client address.

Gradio's ``/login`` checks a password as fast as it is asked (100 wrong ones took 1.4 s), and
so would the ``/v1/`` API's bearer check.
This ASGI middleware sits in front of it: after ``free`` failures from one address, that
address gets ``429 Too Many Requests`` (with ``Retry-After``) until a wait that doubles with
every further failure, up to ``max_wait_s``. A success clears the address's record.

Why per address and capped, not a lockout: a lockout of the account would let an attacker
keep the real user out; here an attacker slows only itself, and after ``max_wait_s`` even
a shared address (a lab behind one NAT) may try again. The address is the TCP peer, never
``X-Forwarded-For``, which the client writes itself.

>>> throttle = LoginThrottle(app=None, free=2, base_wait_s=1, clock=lambda: 0.0)
>>> [throttle.record_failure("10.0.0.1") for _ in range(4)]
[0.0, 0.0, 1.0, 2.0]
>>> throttle.wait_left("10.0.0.1"), throttle.wait_left("10.0.0.2")
(2.0, 0.0)
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

LOGIN_PATHS = ("/login", "/login/")
API_PREFIX = "/v1/"  # the OpenAI-compatible endpoint checks the same password (ui.openai_api)


@dataclass
class _Record:
    failures: int = 0
    blocked_until: float = 0.0
    last_seen: float = 0.0


class LoginThrottle:
    """ASGI middleware: ``FastAPI(middleware=[Middleware(LoginThrottle, free=5)])``."""

    def __init__(self, app: Any, free: int = 5, base_wait_s: float = 1.0, max_wait_s: float = 300.0, forget_after_s: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.free = free
        self.base_wait_s = base_wait_s
        self.max_wait_s = max_wait_s
        self.forget_after_s = forget_after_s
        self.clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    # -- the policy ----------------------------------------------------------------------

    def wait_left(self, address: str) -> float:
        """Seconds until ``address`` may try a password again (0 when it may now)."""
        with self._lock:
            record = self._records.get(address)
            return max(0.0, record.blocked_until - self.clock()) if record else 0.0

    def record_failure(self, address: str) -> float:
        """Count a wrong password; returns the wait it starts (0 while within the free attempts)."""
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            record = self._records.setdefault(address, _Record())
            record.failures += 1
            record.last_seen = now
            over = record.failures - self.free
            wait = 0.0 if over <= 0 else float(min(self.max_wait_s, self.base_wait_s * 2 ** (over - 1)))
            record.blocked_until = now + wait
            return wait

    def record_success(self, address: str) -> None:
        with self._lock:
            self._records.pop(address, None)

    def _forget_old(self, now: float) -> None:
        # Bounded memory under a spray of addresses: records idle for an hour are dropped.
        if len(self._records) > 10_000:
            self._records = {a: r for a, r in self._records.items() if now - r.last_seen < self.forget_after_s}

    # -- ASGI ----------------------------------------------------------------------------

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]) -> None:
        path = scope.get("path", "")
        login = scope.get("method") == "POST" and path.endswith(LOGIN_PATHS)
        if scope.get("type") != "http" or not (login or path.startswith(API_PREFIX)):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown", 0))[0]
        wait = self.wait_left(address)
        if wait > 0:
            await self._refuse(send, wait)
            return
        status: dict[str, int] = {}

        async def watch(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        code = status.get("code", 0)
        if code in (401, 403) or (login and code == 400):  # Gradio answers a wrong password with 400
            self.record_failure(address)
        elif 200 <= code < 400:
            self.record_success(address)

    @staticmethod
    async def _refuse(send: Callable[[dict], Awaitable[None]], wait: float) -> None:
        seconds = max(1, int(wait + 0.999))
        body = json.dumps({"detail": f"too many failed logins from this address; try again in {seconds} s"}).encode()
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", str(seconds).encode()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
