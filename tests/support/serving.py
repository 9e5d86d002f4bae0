"""A real `rag serve` subprocess on a free loopback port, for tests that need the whole server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from support import ROOT, free_port, stop_process

TEST_ENV = {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}


def rag_command(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run one `rag` command to the end, as a user's shell would."""
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, env={**os.environ, **TEST_ENV, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


class RagServe:
    """``with RagServe(data_dir, "--auth-file", f) as server: server.url ...``; the log is kept in ``log_path``."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.args = args
        self.env = {**os.environ, **TEST_ENV, **(env or {})}
        if "RAG_AUTH" not in (env or {}):
            self.env.pop("RAG_AUTH", None)  # a developer's own password must not leak into the test server
        self.timeout = timeout
        self.log_path = self.data_dir.parent / f"serve-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> "RagServe":
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "rag.cli", "serve", "--data-dir", str(self.data_dir), "--port", str(self.port), *self.args],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + self.timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"rag serve exited with {self.proc.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # up, and asking for a login
            except OSError:
                if time.monotonic() > deadline:
                    stop_process(self.proc)
                    raise AssertionError(f"rag serve did not answer on {self.url} within {self.timeout} s: {self.log()}") from None
                time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            stop_process(self.proc)
