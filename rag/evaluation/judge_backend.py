"""Build the judge's ``complete(prompt) -> str`` from settings.openai or settings.local_llm."""

from __future__ import annotations

import os
from typing import Callable

from rag.errors import BackendUnavailable, UserError
from rag.settings import Settings


def judge_complete(settings: Settings) -> Callable[[str], str]:
    """An LLM call for the judge: an OpenAI-compatible server (llama-index OpenAILike) or an in-process GGUF (llama.cpp)."""
    if settings.evaluation.judge_backend == "openai":
        cfg = settings.openai
        if not cfg.base_url or not cfg.model:
            raise UserError("--judge needs an LLM: set openai.base_url and openai.model, or evaluation.judge_backend: local with local_llm.model_path")
        from llama_index.llms.openai_like import OpenAILike

        llm = OpenAILike(model=cfg.model, api_base=cfg.base_url, api_key=os.environ.get(cfg.api_key_env) or "none",
                         is_chat_model=True, timeout=cfg.timeout_s, max_tokens=cfg.max_tokens, temperature=0.0)

        def complete(prompt: str) -> str:
            try:
                return llm.complete(prompt).text
            except Exception as exc:  # noqa: BLE001 - network/server errors all mean "judge unavailable"
                raise BackendUnavailable(f"the judge LLM at {cfg.base_url} failed ({type(exc).__name__}); check the server") from None

        return complete
    cfg = settings.local_llm
    if not cfg.model_path:
        raise UserError("--judge with evaluation.judge_backend: local needs local_llm.model_path set to a GGUF file")
    from llama_cpp import Llama

    model = Llama(model_path=cfg.model_path, n_ctx=cfg.n_ctx, n_threads=cfg.n_threads, verbose=False)

    def complete_local(prompt: str) -> str:
        reply = model.create_chat_completion(messages=[{"role": "user", "content": prompt}], max_tokens=cfg.max_tokens, temperature=0.0)
        return reply["choices"][0]["message"]["content"] or ""

    return complete_local
