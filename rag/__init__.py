"""Question answering over scientific paper abstracts, with verified citations.

>>> from rag import Assistant
>>> assistant = Assistant(data_dir="/tmp/rag-doc")
>>> answer = assistant.ask("What speedup does Medusa report?")   # doctest: +SKIP
>>> answer.text, [c.reference() for c in answer.citations]       # doctest: +SKIP
"""

import os

# Telemetry off by default: the product runs offline and must not phone home.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from rag.assistant import Assistant, CollectionStats, PaperInfo
from rag.components import Components
from rag.errors import BackendUnavailable, StoreUnavailable, UserError
from rag.ingest.pipeline import IngestReport
from rag.settings import Settings, load_settings
from rag.types import Answer, AnswerSentence, Citation, Hit, PaperMeta, PaperRecord, Rejection, TextDelta

__all__ = [
    "Answer", "AnswerSentence", "Assistant", "BackendUnavailable", "Citation", "CollectionStats", "Components", "Hit",
    "IngestReport", "PaperInfo", "PaperMeta", "PaperRecord", "Rejection", "Settings", "StoreUnavailable", "TextDelta",
    "UserError", "load_settings",
]
