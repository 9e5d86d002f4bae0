"""Where the parts of one collection live in a data directory.

The Chroma collection may sit in the data dir (embedded) or on a server; the catalog and
the BM25 index always sit in the data dir, one pair per server and collection, so two
collections served from one machine never share side files.

>>> from rag.settings import ChromaSettings
>>> StoreLayout(Path("/d"), ChromaSettings(host="db.lab", port=8000)).catalog_path.name
'catalog-db.lab-8000-abstracts.sqlite'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from rag.errors import UserError
from rag.ingest.lock import DataDirLock
from rag.settings import ChromaSettings
from rag.storage.vectors import store_location


class StoreLayout:
    """File names of one collection's catalog, BM25 index, state stamp, sentence vectors, model cache and writer lock."""

    def __init__(self, data_dir: Path, chroma: ChromaSettings):
        self.data_dir = Path(data_dir)
        self.chroma = chroma

    def _beside_store(self, kind: str) -> str:
        if not self.chroma.host:
            return kind
        return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{kind}-{self.chroma.host}-{self.chroma.port}-{self.chroma.collection}")

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / f"{self._beside_store('catalog')}.sqlite"

    @property
    def bm25_dir(self) -> Path:
        return self.data_dir / self._beside_store("bm25")

    @property
    def state_path(self) -> Path:
        """The collection's state stamp (rag.storage.state), advanced by every ingest batch."""
        return self.data_dir / f"{self._beside_store('state')}.json"

    @property
    def sentences_path(self) -> Path:
        """Stored title and sentence vectors (rag.storage.sentences), a cache the answer step fills."""
        return self.data_dir / f"{self._beside_store('sentences')}.sqlite"

    @property
    def store_location(self) -> str:
        """Where the vectors live, as shown to users."""
        return store_location(self.chroma, self.data_dir)

    def prepare(self) -> None:
        """Create the data dir if needed; a UserError names the problem when it cannot be used."""
        where = self.data_dir
        if where.exists() and not where.is_dir():
            raise UserError(f"--data-dir {where} is a file, not a folder; pass a folder (it is created if missing)")
        try:
            where.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the data dir {where} ({exc.strerror or type(exc).__name__}); "
                            "pass a --data-dir you can write to") from None
        if not os.access(where, os.W_OK | os.X_OK):
            raise UserError(f"the data dir {where} is not writable; pass a --data-dir you can write to")

    def lock(self) -> DataDirLock:
        return DataDirLock(self.data_dir)
