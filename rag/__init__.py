"""Question answering over scientific paper abstracts, with verified citations.

>>> from rag import Assistant
>>> assistant = Assistant(data_dir="/tmp/rag-doc")
"""

import os

# Telemetry off by default: the product runs offline and must not phone home.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from rag.assistant import Assistant, CollectionStats  # noqa: E402
from rag.errors import UserError  # noqa: E402
from rag.ingest import IngestReport  # noqa: E402
from rag.records import Hit, PaperRecord, Rejection  # noqa: E402
from rag.settings import Settings, load_settings  # noqa: E402

__all__ = ["Assistant", "CollectionStats", "Hit", "IngestReport", "PaperRecord", "Rejection", "Settings", "UserError", "load_settings"]
