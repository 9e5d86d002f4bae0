"""Event handlers of the Gradio app. Each returns values for components; none raises to the page."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from rag import Answer, Assistant, Citation, UserError

from ui.bibtex import to_bibtex
from ui.chat import ChatOptions, ChatRunner, friendly_error, history_messages, now_ms, references_text, turn_record
from ui.collection import UploadIngester
from ui.feedback import FeedbackLog
from ui.paper_map import HIGHLIGHT, PaperMap
from ui.render import answer_html, cards_html, error_html, inline, related_html, streaming_html


class Handlers:
    """Everything the page calls, bound to one Assistant. Per-session data arrives as arguments (State)."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        ui = assistant.settings.ui
        self.runner = ChatRunner(assistant)
        self.uploads = UploadIngester(assistant, ui.max_upload_mb)
        self.feedback = FeedbackLog(Path(assistant.data_dir) / "feedback.jsonl")
        self.map = PaperMap(assistant, ui.map_clusters, ui.map_max_chunks, ui.map_tsne_max_papers)
        # BibTeX exports live under one folder that goes away with the server (Gradio copies each
        # returned file into its own cache); a folder per export was left in /tmp for good.
        self.exports = tempfile.TemporaryDirectory(prefix="rag-bib-")

    # -- chat -------------------------------------------------------------------------

    def respond(self, message: str, chat: list, turns: list, *settings: Any, without: tuple[str, ...] = ()) -> Iterator[tuple]:
        """Stream one answer into the chat; yields (chat, turns, cards, textbox)."""
        chat, turns = list(chat or []), list(turns or [])
        if not (message or "").strip():
            yield chat, turns, cards_html(None, 0), message
            return
        chat.append({"role": "user", "content": inline(message)})
        chat.append({"role": "assistant", "content": streaming_html("…")})
        yield chat, turns, cards_html(None, 0), ""
        started = now_ms()
        try:
            answer = None
            options = _options(*settings)
            options.without = without
            for item in self.runner.stream(message, history_messages(turns), options):
                if isinstance(item, Answer):
                    answer = item
                else:
                    chat[-1] = {"role": "assistant", "content": streaming_html(item)}
                    yield chat, turns, gr.skip(), gr.skip()
            if answer is None:
                raise UserError("the answering step returned nothing; try again or pick another backend")
            elapsed = now_ms() - started
            number = len(turns)
            chat[-1] = {"role": "assistant", "content": answer_html(answer, number, elapsed)}
            record = turn_record(message, answer, elapsed, len(chat) - 1)
            record["without"] = list(without)
            turns.append(record)
            yield chat, turns, cards_html(answer, number), ""
        except Exception as exc:  # noqa: BLE001 - every failure becomes a chat message, never a trace
            chat[-1] = {"role": "assistant", "content": error_html(friendly_error(exc))}
            yield chat, turns, cards_html(None, 0), ""

    def drop_filter(self, key: str, chat: list, turns: list, *settings: Any) -> Iterator[tuple]:
        """A chip's ×: ask the latest question again without that filter (or outside the follow-up's scope)."""
        chat, turns = list(chat or []), list(turns or [])
        if not (key or "").strip() or not turns:
            yield chat, turns, gr.skip(), gr.skip()
            return
        last = turns.pop()
        chat = chat[: last["msg_index"] - 1]
        without = tuple(dict.fromkeys([*last.get("without", []), key.strip()]))
        for update in self.respond(last["question"], chat, turns, *settings, without=without):
            yield update[0], update[1], update[2], gr.skip()

    def chat_api(self, message: str, history: list | None = None, backend: str | None = None, top_k: int | None = None) -> str:
        """Answer ``message`` given OpenAI-style ``history``; returns the answer text with a reference list."""
        try:
            options = ChatOptions(backend=backend or None, top_k=int(top_k) if top_k else None)
            answer = None
            for item in self.runner.stream(message, history, options):
                if isinstance(item, Answer):
                    answer = item
            if answer is None:
                raise UserError("the answering step returned nothing; try again or pick another backend")
            return references_text(answer)
        except Exception as exc:  # noqa: BLE001 - API callers get the same one-line message as the page
            return f"error: {friendly_error(exc)}"

    def clear(self) -> tuple:
        return [], [], cards_html(None, 0), "", gr.update(value=None, visible=False)

    def export_bibtex(self, turns: list):
        """A .bib file with every paper cited in this conversation, shown for download."""
        citations = [Citation(**c) for turn in turns or [] for c in turn["citations"]]
        if not citations:
            gr.Info("Nothing cited yet: ask a question first.")
            return gr.update(value=None, visible=False)
        folder = Path(tempfile.mkdtemp(dir=self.exports.name))  # one per export: two users never share a file
        path = folder / "references.bib"
        path.write_text(to_bibtex(citations), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    def on_like(self, turns: list, index: Any, liked: Any) -> None:
        index = index[0] if isinstance(index, (list, tuple)) else index
        turn = next((t for t in turns or [] if t["msg_index"] == index), None)
        if turn is not None:
            self.feedback.record(bool(liked) and liked != "Dislike", turn)

    def related(self, paper_id: str) -> str:
        """Papers similar to one cited paper, as an HTML list."""
        if not (paper_id or "").strip():
            return ""
        try:
            hits = [h for h in self.assistant.similar(paper_id, top_k=self.assistant.settings.ui.related_top_k) if h.paper_id != paper_id]
            paper = self.assistant.paper(paper_id)
            return related_html(paper.title if paper else paper_id, hits)
        except Exception as exc:  # noqa: BLE001
            return error_html(friendly_error(exc))

    # -- collection and map -------------------------------------------------------------

    def stats_markdown(self) -> str:
        try:
            s = self.assistant.stats()
        except Exception as exc:  # noqa: BLE001
            return f"⚠ {inline(friendly_error(exc))}"
        # File names are untrusted: "[Security update required](https:evil.example).jsonl" must stay text.
        sources = ", ".join(inline(Path(x).name) for x in s.sources[:6]) + (" …" if len(s.sources) > 6 else "")
        return f"**{s.papers}** papers · **{s.chunks}** chunks · **{len(s.sources)}** sources ({sources}) · model {inline(s.embedding_model)}"

    def upload(self, files: list | None, progress) -> str:
        def report_progress(done: int, total: int | None) -> None:
            progress((done, total) if total else done / (done + 512), desc=f"{done} papers ingested")

        try:
            progress(0, desc="checking files")
            return self.uploads.ingest([str(f) for f in files or []], progress=report_progress).summary()
        except Exception as exc:  # noqa: BLE001
            return f"⚠ {friendly_error(exc)}"

    def paper_map(self, colour_by: str, turns: list):
        highlight = set(turns[-1]["retrieved_ids"]) if turns else set()
        frame = self.map.frame(colour_by, highlight)
        groups = sorted(set(frame["group"])) if len(frame) else []
        # A fixed palette; the retrieved papers get a colour of their own so they stand out from every cluster.
        colours = {g: _PALETTE[i % len(_PALETTE)] for i, g in enumerate(x for x in groups if x != HIGHLIGHT)}
        colours.update({g: "#000000" for g in groups if g == HIGHLIGHT})  # black: no cluster has it; drawn last (on top)
        counts = frame["group"].value_counts() if len(frame) else {}
        # Our own legend: Vega's legend is clipped by the plot's fixed height once there are many groups.
        legend = " ".join(
            f'<span class="legend-item"><span class="dot" style="background:{colours[g]}"></span>{inline(g)} ({counts[g]})</span>' for g in groups
        )
        return gr.update(value=frame, color_map=colours), f'<div class="map-legend">{legend}</div><div class="map-method">{inline(self.map.describe())}</div>'


_PALETTE = ["#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626", "#4b5563", "#65a30d"]


def _options(backend=None, top_k=None, year_from=None, year_to=None, category=None, source=None, author=None) -> ChatOptions:
    return ChatOptions(backend or None, int(top_k) if top_k else None, year_from, year_to, category, source, author)
