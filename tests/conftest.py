"""Shared fixtures. The sample corpus is ingested once per test session (real model, real Chroma)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from support import SAMPLE_DIR, TEST_OUTPUT


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a test marked ``slow`` run first; otherwise the collected order is kept.

    pytest-xdist hands out whole files (``--dist loadfile``) in this order when scripts/test.sh passes
    ``--no-loadscope-reorder``; its default order (most tests first) left the one-test files that
    start processes (kill -9 resume, live ingest) to the end, where one worker ran them while the
    other sat idle.
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # a stable sort: test order within a file is kept


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
