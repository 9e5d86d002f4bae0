"""One typed settings tree (``schema``) and how it is built from files, the environment and overrides (``loading``).

>>> load_settings(overrides={"retrieval.top_k": 5}).retrieval.top_k
5
"""

from rag.settings.loading import dump_default_yaml, flatten, load_settings, override
from rag.settings.schema import (
    AnswerSettings,
    ChromaSettings,
    ChunkingSettings,
    EmbeddingSettings,
    EvaluationSettings,
    IngestSettings,
    LocalLLMSettings,
    OpenAISettings,
    RetrievalFilters,
    RetrievalSettings,
    Settings,
    UISettings,
)

__all__ = [
    "AnswerSettings", "ChromaSettings", "ChunkingSettings", "EmbeddingSettings", "EvaluationSettings", "IngestSettings",
    "LocalLLMSettings", "OpenAISettings", "RetrievalFilters", "RetrievalSettings", "Settings", "UISettings",
    "dump_default_yaml", "flatten", "load_settings", "override",
]
