"""Launch the app: loopback by default, auth required off loopback, model warmed after launch.

One process serves the page, Gradio's /chat API and the OpenAI-compatible /v1 API (ui.openai_api).
"""

from __future__ import annotations

import ipaddress
import logging
import threading

from rag import Assistant, UserError

log = logging.getLogger("rag.ui")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UserError("--auth / RAG_AUTH must look like USER:PASSWORD")
    return user, password


def check_exposure(host: str, auth: tuple[str, str] | None, insecure: bool) -> None:
    """Refuse to put an unauthenticated chat on a network address unless asked to."""
    if not is_loopback(host) and auth is None and not insecure:
        raise UserError(f"refusing to serve on {host} without a password; pass --auth USER:PASS (or RAG_AUTH), or --insecure")


def _warm_up(assistant: Assistant) -> None:
    # Loads the embedding model and opens the store after the page is up, so the first
    # question does not pay for it and startup does not wait for it.
    try:
        assistant.retrieve("warm up", top_k=1)
    except Exception as exc:  # noqa: BLE001 - an empty collection or a down store shows up in the chat instead
        log.info("warm-up skipped: %s", exc)


class Server:
    """Builds the app for one Assistant and serves it until interrupted.

    >>> Server(Assistant(data_dir="/tmp/rag-doc")).serve("127.0.0.1", 7860)   # doctest: +SKIP
    """

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def serve(self, host: str, port: int, auth: tuple[str, str] | None = None, insecure: bool = False, block: bool = True):
        check_exposure(host, auth, insecure)
        import gradio as gr
        from starlette.middleware import Middleware

        from ui.app import build_app
        from ui.assets import CSS, HEAD
        from ui.openai_api import ChatCompletions
        from ui.throttle import LoginThrottle

        ui = self.assistant.settings.ui
        # Routes and middleware go in through the FastAPI constructor: Starlette refuses
        # middleware added after the app has started, and our routes must precede Gradio's.
        middleware = [Middleware(LoginThrottle, free=ui.login_free_attempts, max_wait_s=ui.login_max_wait_s)] if auth else []
        routes = ChatCompletions(self.assistant, auth).router().routes
        demo = build_app(self.assistant).queue(default_concurrency_limit=ui.concurrency, max_size=ui.max_queue)
        # System fonts only: the default theme pulls Google Fonts, which an offline browser waits on.
        theme = gr.themes.Soft(font=["system-ui", "Segoe UI", "sans-serif"], font_mono=["ui-monospace", "monospace"])
        try:
            demo.launch(
                server_name=host, server_port=port, auth=auth, share=False, prevent_thread_lock=True, quiet=True,
                max_file_size=f"{ui.max_upload_mb}mb", theme=theme, css=CSS, head=HEAD, ssr_mode=False, footer_links=["api"],
                app_kwargs={"middleware": middleware, "routes": routes},
            )
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port} ({exc}); pick another --port") from None
        print(f"rag chat on http://{host}:{port}", flush=True)
        threading.Thread(target=_warm_up, args=(self.assistant,), daemon=True).start()
        if block:
            demo.block_thread()
        return demo
