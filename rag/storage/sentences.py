"""The collection's sentence vectors, kept in the data dir so that a sentence is embedded once, not once per process.

Answering reads the retrieved papers' sentences against the question: 10-16 papers, about 130
titles and sentences. Embedding them is nearly all of a cold answer's time (about 1.5 s for 100
sentences on 2 cores, docs/BENCHMARKS.md), and the same papers come back across questions and
sessions. So every title and abstract sentence the answer step embeds is written here, and the
folder's shipped vectors (rag.ingest.prebuilt) seed it at ingest.

Rows are keyed by the model's name and the SHA-1 of the exact text, so a changed sentence or model
can never take a stale vector. Vectors are stored as float16: half the bytes, and the cosine to the
float32 vector stays above 0.9999 (tests/storage/test_sentences.py). The table is a cache: a file that
cannot be opened or read only means sentences are embedded again, and it is never the only copy of
anything.

>>> store = SentenceVectorStore(Path("/tmp/rag-doc-sentences.sqlite"), "all-MiniLM-L6-v2")
>>> store.put(["A sentence."], np.ones((1, 4), dtype=np.float32))
>>> store.get(["A sentence.", "Another."]).keys() == {"A sentence."}
True
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)


def text_digest(text: str) -> str:
    """SHA-1 of the text: the key of a text's vector here and in a folder's shipped vectors."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class SentenceVectorStore:
    """Text → vector for one embedding model, in one SQLite file shared by every process on the data dir."""

    def __init__(self, path: Path, model_name: str):
        self.path = Path(path)
        self.model_name = model_name
        self._lock = threading.Lock()  # one connection, used by the chat's worker threads in turn
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")  # readers in other processes never wait for a writer
                db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, digest TEXT NOT NULL, "
                           "vector BLOB NOT NULL, PRIMARY KEY (model, digest)) WITHOUT ROWID")
                self._db = db
            except sqlite3.Error as exc:
                self._give_up(exc)
        return self._db

    def _give_up(self, exc: Exception) -> None:
        # A cache that cannot be used costs time, not answers: say so once and embed as if it were empty.
        log.warning("sentence vector cache %s is unusable (%s); sentences are embedded each time", self.path, exc)
        self._broken, self._db = True, None

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors (float32) of those texts that have one."""
        by_digest = {text_digest(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            db = self._connect()
            if db is None or not by_digest:
                return found
            digests = list(by_digest)
            try:
                for start in range(0, len(digests), 500):  # SQLite caps the number of bound parameters
                    part = digests[start:start + 500]
                    rows = db.execute(f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({','.join('?' * len(part))})",
                                      [self.model_name, *part])
                    for digest, blob in rows:
                        found[by_digest[digest]] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
            except sqlite3.Error as exc:
                self._give_up(exc)
        return found

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Remember the texts' vectors (a text already stored keeps its row)."""
        self.put_digests([text_digest(t) for t in texts], vectors)

    def put_digests(self, digests: Sequence[str], vectors: np.ndarray) -> None:
        """Like ``put`` for texts known only by their digest (a folder's shipped vectors)."""
        rows = [(self.model_name, d, np.asarray(v, dtype=np.float16).tobytes()) for d, v in zip(digests, vectors)]
        if not rows:
            return
        with self._lock:
            db = self._connect()
            if db is None:
                return
            try:
                with db:
                    db.executemany("INSERT OR IGNORE INTO vectors (model, digest, vector) VALUES (?, ?, ?)", rows)
            except sqlite3.OperationalError as exc:
                # Another process holding the write lock past the timeout only means these stay unstored.
                log.info("sentence vectors not stored this time (%s)", exc)
            except sqlite3.Error as exc:
                self._give_up(exc)

    def count(self) -> int:
        with self._lock:
            db = self._connect()
            if db is None:
                return 0
            try:
                return db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", [self.model_name]).fetchone()[0]
            except sqlite3.Error as exc:
                self._give_up(exc)
                return 0

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
