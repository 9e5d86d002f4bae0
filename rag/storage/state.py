"""The collection's state stamp: how a process that serves a collection learns that another one changed it.

An embedded Chroma client keeps its vector index in memory and never sees what another
process writes; the BM25 index and the catalog are files it re-reads. Read separately,
the three disagree after an outside ingest (BM25 returned chunk ids the server's Chroma
did not know: "Error finding id"). So every ingest batch, after its catalog commit (the
last write of a batch), advances one stamp file, and a reader moves all of its views
together when the stamp changes (see :class:`rag.components.Components`).

>>> import tempfile
>>> state = CollectionState(Path(tempfile.mkdtemp()) / "state.json")
>>> before = state.stamp(); state.advance(); state.stamp() != before
True
"""

from __future__ import annotations

import json
import os
from pathlib import Path


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
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"generation": generation}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        return generation
