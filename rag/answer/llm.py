"""Model backends: llama.cpp in-process (xllamacpp) and any OpenAI-compatible endpoint.

Both offer ``stream(messages)`` (text pieces) for answers and ``complete(prompt)`` (one
string) for other steps, such as follow-up rewriting or retrieval's LLM relevance scores.
Every failure surfaces as BackendUnavailable with a one-line reason, so the answer step
can fall back to the extractive answer and say why.
"""

from __future__ import annotations

import os
import queue
import secrets
import threading
from pathlib import Path
from typing import Iterator, Protocol

from rag.errors import BackendUnavailable
from rag.settings import LocalLLMSettings, OpenAISettings


class ChatModel(Protocol):
    """``stream`` writes answers at the configured temperature; ``complete`` is for judgements and
    rewrites (relevance scores, faithfulness, follow-up rewrites) and decodes greedily, so the same
    question scores the same papers the same way on every run."""

    name: str

    def stream(self, messages: list[dict[str, str]], temperature: float | None = None) -> Iterator[str]: ...

    def complete(self, prompt: str) -> str: ...


def llama_server_params(settings: LocalLLMSettings, model_path: str, port: int = 0, api_key: str | None = None):
    """xllamacpp's parameters for llama.cpp's server engine on ``model_path``, from the settings.

    The engine always listens on loopback: on ``port`` (0: any free one), behind ``api_key``
    (default: a random one, which keeps other local users from borrowing the model through it).
    """
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model_path
    params.n_ctx = settings.n_ctx
    params.n_predict = settings.max_tokens
    threads = settings.n_threads or os.cpu_count() or 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.verbosity = -1  # llama.cpp logs every slot and timing line to stderr otherwise
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.api_keys = [api_key or secrets.token_hex(16)]
    return params


class LocalLlamaModel:
    """A GGUF model run in-process by llama.cpp's own server engine, through xllamacpp.

    xllamacpp rather than llama-cpp-python: it ships prebuilt CPU wheels on PyPI, where
    llama-cpp-python compiles llama.cpp on install (4-14 minutes measured on 2 cores, the
    biggest part of a fresh setup). Its engine is llama.cpp's C++ server (continuous batching,
    thread-safe), so several chat sessions may stream at once without a lock of ours.

    >>> model = LocalLlamaModel(LocalLLMSettings(model_path="SmolLM2-135M-Instruct.Q4_1.gguf"))  # doctest: +SKIP
    >>> model.complete("Say hi")                                                                  # doctest: +SKIP
    """

    name = "local"

    def __init__(self, settings: LocalLLMSettings):
        self.settings = settings
        try:
            import xllamacpp
        except ImportError:
            raise BackendUnavailable("xllamacpp (llama.cpp) is not installed; run `SETUP_EXTRAS=ui,llm bash scripts/setup.sh` "
                                     "(or pip install 'rag-abstracts[llm]')") from None
        params = llama_server_params(settings, self._model_file(settings))
        try:
            self.server = xllamacpp.Server(params)
        except Exception as exc:  # noqa: BLE001 - llama.cpp raises RuntimeError/ValueError for bad or unreadable files
            raise BackendUnavailable(f"cannot load local model ({type(exc).__name__}: {str(exc)[:120]}); check local_llm.model_path") from None

    @staticmethod
    def _model_file(settings: LocalLLMSettings) -> str:
        if settings.model_path:
            path = Path(settings.model_path).expanduser()
            if not path.is_file():
                raise BackendUnavailable(f"local model file not found: {settings.model_path}; set local_llm.model_path to a GGUF file")
            return str(path)
        if settings.repo_id and settings.filename:
            # Downloads from the hub on first use (needs internet), then reads the local cache.
            from huggingface_hub import hf_hub_download

            try:
                return hf_hub_download(repo_id=settings.repo_id, filename=settings.filename)
            except Exception as exc:  # noqa: BLE001 - offline, unknown repo or file: all one notice
                raise BackendUnavailable(f"cannot fetch {settings.repo_id}/{settings.filename} ({type(exc).__name__}); "
                                         "download the GGUF and set local_llm.model_path") from None
        raise BackendUnavailable("no local model configured; set local_llm.model_path (or repo_id and filename)")

    def stream(self, messages: list[dict[str, str]], temperature: float | None = None) -> Iterator[str]:
        # xllamacpp streams through a callback on its own thread; a queue turns that into the
        # iterator the answer step reads, so the first token reaches the chat as it is made.
        pieces: queue.Queue = queue.Queue()
        done = object()
        stopped = threading.Event()  # the reader left early (closed the generator): stop generating
        request = {"messages": messages, "stream": True, "max_tokens": self.settings.max_tokens,
                   "temperature": self.settings.temperature if temperature is None else temperature}

        def collect(chunk: dict) -> bool:
            pieces.put(chunk)
            return stopped.is_set()  # True stops llama.cpp

        def generate() -> None:
            try:
                result = self.server.handle_chat_completions(request, collect)
                if isinstance(result, dict) and "error" in result:  # e.g. the prompt exceeds n_ctx
                    pieces.put(result)
            except Exception as exc:  # noqa: BLE001 - handed to the reader, which turns it into a notice
                pieces.put(exc)
            finally:
                pieces.put(done)

        threading.Thread(target=generate, daemon=True, name="llama-generate").start()
        try:
            while (chunk := pieces.get()) is not done:
                if isinstance(chunk, Exception):
                    raise BackendUnavailable(f"local model failed ({type(chunk).__name__}: {str(chunk)[:120]})")
                if "error" in chunk:
                    error = chunk["error"]
                    message = error.get("message", error) if isinstance(error, dict) else error
                    raise BackendUnavailable(f"local model failed: {str(message)[:160]}")
                for choice in chunk.get("choices") or []:
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece
        finally:
            stopped.set()

    def complete(self, prompt: str) -> str:
        return "".join(self.stream([{"role": "user", "content": prompt}], temperature=0.0))  # greedy: see ChatModel


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

    def stream(self, messages: list[dict[str, str]], temperature: float | None = None) -> Iterator[str]:
        try:
            response = self.client.chat.completions.create(
                model=self.settings.model or "default", messages=messages, stream=True,
                max_tokens=self.settings.max_tokens,
                temperature=self.settings.temperature if temperature is None else temperature,
            )
            for chunk in response:
                piece = chunk.choices[0].delta.content if chunk.choices else None
                if piece:
                    yield piece
        except Exception as exc:  # noqa: BLE001 - every failure becomes a visible notice, never a traceback
            raise BackendUnavailable(self._reason(exc)) from None

    def complete(self, prompt: str) -> str:
        return "".join(self.stream([{"role": "user", "content": prompt}], temperature=0.0))  # greedy: see ChatModel


def create_model(backend: str, local: LocalLLMSettings, remote: OpenAISettings) -> ChatModel:
    """Factory for the model backends; 'extractive' needs none."""
    if backend == "local":
        return LocalLlamaModel(local)
    if backend == "openai":
        return OpenAICompatibleModel(remote)
    raise BackendUnavailable(f"unknown answer backend '{backend}'; use extractive, local or openai")
