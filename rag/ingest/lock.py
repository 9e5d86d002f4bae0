"""The data-dir lock: one writer per data directory, shared by ingest and the BM25 index.

An ingest holds it for its whole run (waiting up to a timeout for another ingest to
finish). A reader that finds the BM25 index stale may rebuild it only while nobody
writes, so it asks with :meth:`DataDirLock.try_hold`, which never waits.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rag.errors import UserError

LOCK_NAME = "ingest.lock"


class DataDirLock:
    """An advisory ``flock`` on ``DATA_DIR/ingest.lock``.

    >>> with DataDirLock(Path("/tmp/rag-doc")).hold(timeout=0):   # doctest: +SKIP
    ...     pass                                                   # write to the stores here
    """

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_NAME

    def _open(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return open(self.path, "a+")

    @contextmanager
    def hold(self, timeout: float) -> Iterator[None]:
        """Hold the lock for a block, waiting up to ``timeout`` seconds; a UserError says who has it."""
        handle = self._open()
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise UserError(
                            f"another ingest is writing to {self.data_dir}; wait for it to finish "
                            "(or raise ingest.lock_timeout_s to wait automatically)"
                        ) from None
                    time.sleep(0.5)
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()

    @contextmanager
    def try_hold(self) -> Iterator[bool]:
        """Hold the lock for a block if it is free right now; yields whether it was got."""
        with self._open() as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
