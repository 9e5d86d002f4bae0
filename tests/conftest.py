"""Shared fixtures. The sample corpus is ingested once per test session (real model, real Chroma)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
TEST_OUTPUT = ROOT / "test-output"


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


@pytest.fixture(scope="session")
def sample_data_dir(tmp_path_factory) -> Path:
    """A data directory holding the ingested sample corpus (363 papers). Treat it as read-only."""
    from rag import Assistant

    data_dir = tmp_path_factory.mktemp("sample-data")
    Assistant(data_dir=data_dir).ingest([SAMPLE_DIR])
    return data_dir


@pytest.fixture(scope="session")
def sample_assistant(sample_data_dir):
    """An Assistant over the ingested sample corpus, shared by the session. Do not ingest into it."""
    from rag import Assistant

    return Assistant(data_dir=sample_data_dir)


@pytest.fixture(scope="session")
def test_output() -> Path:
    """Folder for artefacts tests leave for people to look at (screenshots, reports)."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT
