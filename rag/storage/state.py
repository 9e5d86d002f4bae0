"""The collection's state stamp: how a process that serves a collection learns that another one changed it.

An embedded Chroma client keeps its vector index in memory and never sees what another
process writes; the BM25 index and the catalog are files it re-reads. Read separately,
the three disagree after an outside ingest (BM25 returned chunk ids the server's Chroma
did not know: "Error finding id"). So every ingest batch, after its catalog commit (the
last write of a batch), advances one stamp file, and a reader moves all of its views
together when the stamp changes (see :class:`rag.components.Components`).

>>> import tempfile
>>> state = CollectionState(Path(tempfile.mkdtemp()) / "state.json")
>>> before = state.stamp(); after = state.advance(); (after, state.stamp() == after, after != before)
(1, True, True)
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.storage.atomic import write_atomic


class CollectionState:
    """A generation counter in ``path``, replaced atomically by writers and read by servers."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def stamp(self) -> int:
        """The current generation; 0 when no ingest has run since stamps existed."""
        try:
            return int(json.loads(self.path.read_text(encoding="utf-8"))["generation"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def advance(self) -> int:
        """Record that the collection changed; only the data-dir lock holder calls this."""
        generation = self.stamp() + 1
        write_atomic(self.path, lambda fh: fh.write(json.dumps({"generation": generation}).encode("utf-8")))
        return generation
