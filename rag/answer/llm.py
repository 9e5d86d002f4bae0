"""Model backends: llama.cpp in-process and any OpenAI-compatible endpoint.

Both offer ``stream(messages)`` (text pieces) for answers and ``complete(prompt)`` (one
string) for other steps, such as follow-up rewriting or retrieval's LLM relevance scores.
Every failure surfaces as BackendUnavailable with a one-line reason, so the answer step
can fall back to the extractive answer and say why.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterator, Protocol

from rag.errors import BackendUnavailable
from rag.settings import LocalLLMSettings, OpenAISettings


class ChatModel(Protocol):
    name: str

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]: ...

    def complete(self, prompt: str) -> str: ...


class LocalLlamaModel:
    """A GGUF model run in-process by llama-cpp-python (llama-index's LlamaCPP wrapper is not installed).

    >>> model = LocalLlamaModel(LocalLLMSettings(model_path="SmolLM2-135M-Instruct.Q4_1.gguf"))  # doctest: +SKIP
    >>> model.complete("Say hi")                                                                  # doctest: +SKIP
    """

    name = "local"

    def __init__(self, settings: LocalLLMSettings):
        self.settings = settings
        self._lock = threading.Lock()
        try:
            from llama_cpp import Llama
        except ImportError:
            raise BackendUnavailable("llama-cpp-python is not installed; run `SETUP_EXTRAS=ui,llm bash scripts/setup.sh` "
                                     "(or pip install 'rag-abstracts[llm]')") from None
        options = dict(n_ctx=settings.n_ctx, n_threads=settings.n_threads, verbose=False)
        try:
            if settings.model_path:
                if not Path(settings.model_path).expanduser().is_file():
                    raise BackendUnavailable(f"local model file not found: {settings.model_path}; set local_llm.model_path to a GGUF file")
                self.llama = Llama(model_path=str(Path(settings.model_path).expanduser()), **options)
            elif settings.repo_id and settings.filename:
                # Downloads from the hub on first use (needs internet), then reads the local cache.
                self.llama = Llama.from_pretrained(repo_id=settings.repo_id, filename=settings.filename, **options)
            else:
                raise BackendUnavailable("no local model configured; set local_llm.model_path (or repo_id and filename)")
        except BackendUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError/OSError for bad files
            raise BackendUnavailable(f"cannot load local model ({type(exc).__name__}: {str(exc)[:120]}); check local_llm.model_path") from None

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        # One llama.cpp context is not safe to use from two threads (the chat serves several
        # sessions at once): concurrent answers take turns instead of corrupting each other.
        with self._lock:
            yield from self._stream(messages)

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        try:
            chunks = self.llama.create_chat_completion(
                messages=messages, stream=True, max_tokens=self.settings.max_tokens, temperature=self.settings.temperature
            )
            for chunk in chunks:
                piece = chunk["choices"][0].get("delta", {}).get("content")
                if piece:
                    yield piece
        except Exception as exc:  # noqa: BLE001 - e.g. the prompt exceeds n_ctx
            raise BackendUnavailable(f"local model failed ({type(exc).__name__}: {str(exc)[:120]})") from None

    def complete(self, prompt: str) -> str:
        return "".join(self.stream([{"role": "user", "content": prompt}]))


class OpenAICompatibleModel:
    """Any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, OpenAI...).

    We use the ``openai`` client directly rather than llama-index's OpenAILike: its typed
    errors (authentication, connection, timeout) map one-to-one onto the notices users see.
    The API key is read from the environment variable named in settings and never echoed.

    >>> model = OpenAICompatibleModel(OpenAISettings(base_url="http://127.0.0.1:8080/v1"))  # doctest: +SKIP
    """

    name = "openai"

    def __init__(self, settings: OpenAISettings):
        if not settings.base_url:
            raise BackendUnavailable("the openai backend has no endpoint; set openai.base_url (e.g. http://127.0.0.1:8080/v1)")
        import openai

        self.settings = settings
        self.errors = openai
        self.client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=os.environ.get(settings.api_key_env) or "no-key",
            timeout=settings.timeout_s,
            max_retries=0,
        )

    def _reason(self, exc: Exception) -> str:
        where = self.settings.base_url
        if isinstance(exc, self.errors.AuthenticationError):
            return f"{where} rejected the API key from ${self.settings.api_key_env} (HTTP 401); set that variable to a valid key"
        if isinstance(exc, self.errors.APITimeoutError):
            return f"{where} did not answer within {self.settings.timeout_s:g} s; raise openai.timeout_s or check the server"
        if isinstance(exc, self.errors.APIConnectionError):
            return f"cannot reach {where}; start the server or fix openai.base_url"
        if isinstance(exc, self.errors.APIStatusError):
            return f"{where} answered HTTP {exc.status_code}; check openai.model and the server log"
        return f"{where} failed ({type(exc).__name__})"

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        try:
            response = self.client.chat.completions.create(
                model=self.settings.model or "default", messages=messages, stream=True,
                max_tokens=self.settings.max_tokens, temperature=self.settings.temperature,
            )
            for chunk in response:
                piece = chunk.choices[0].delta.content if chunk.choices else None
                if piece:
                    yield piece
        except Exception as exc:  # noqa: BLE001 - every failure becomes a visible notice, never a traceback
            raise BackendUnavailable(self._reason(exc)) from None

    def complete(self, prompt: str) -> str:
        return "".join(self.stream([{"role": "user", "content": prompt}]))


def create_model(backend: str, local: LocalLLMSettings, remote: OpenAISettings) -> ChatModel:
    """Factory for the model backends; 'extractive' needs none."""
    if backend == "local":
        return LocalLlamaModel(local)
    if backend == "openai":
        return OpenAICompatibleModel(remote)
    raise BackendUnavailable(f"unknown answer backend '{backend}'; use extractive, local or openai")
