"""The judge's ``complete(prompt) -> str``, built by the answer step's own model factory."""

from __future__ import annotations

from typing import Callable

from rag.settings import Settings


def judge_complete(settings: Settings) -> Callable[[str], str]:
    """An LLM call for the judge from settings.openai or settings.local_llm (evaluation.judge_backend).

    Reuses rag.answer.llm so the judge fails the same way answers do: one-line BackendUnavailable.

    >>> complete = judge_complete(load_settings(overrides={"evaluation.judge_backend": "local",
    ...     "local_llm.model_path": "SmolLM2-135M-Instruct.Q4_1.gguf"}))  # doctest: +SKIP
    """
    from rag.answer.llm import create_model

    return create_model(settings.evaluation.judge_backend, settings.local_llm, settings.openai).complete
