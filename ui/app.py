"""The Gradio app behind `rag serve`: Chat, Collection and Map tabs, plus the /chat API.

>>> from rag import Assistant
>>> from ui.app import build_app
>>> demo = build_app(Assistant(data_dir="/tmp/rag-doc"))     # doctest: +SKIP
>>> demo.queue().launch(server_name="127.0.0.1")             # doctest: +SKIP
"""

from __future__ import annotations

import os

for _name, _value in (("GRADIO_ANALYTICS_ENABLED", "False"), ("ANONYMIZED_TELEMETRY", "False"), ("HF_HUB_OFFLINE", "1")):
    os.environ.setdefault(_name, _value)

import gradio as gr  # noqa: E402

from rag import Assistant  # noqa: E402

from ui.collection import ALLOWED_SUFFIXES  # noqa: E402
from ui.handlers import Handlers  # noqa: E402
from ui.render import NO_TEX, cards_html  # noqa: E402


def backend_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, value) pairs for the backends this configuration can use, naming their models."""
    s = assistant.settings
    labels = {
        "extractive": "extractive (no model)",
        "local": f"local · {os.path.basename(s.local_llm.model_path or s.local_llm.filename or s.local_llm.repo_id or '')}",
        "openai": f"openai · {s.openai.model or 'default model'}",
    }
    return [(labels[name], name) for name in s.configured_backends()]


def _settings_panel(assistant: Assistant) -> list:
    s = assistant.settings
    with gr.Accordion("Settings", open=False):
        choices = backend_choices(assistant)
        default = s.answer.backend if s.answer.backend in [v for _, v in choices] else "extractive"
        with gr.Row():
            backend = gr.Dropdown(choices, value=default, label="Answer backend")
            top_k = gr.Slider(1, 30, value=s.retrieval.top_k, step=1, label="Papers retrieved (top-k)")
        with gr.Row():
            year_from = gr.Number(None, label="Year from", precision=0)
            year_to = gr.Number(None, label="Year to", precision=0)
        with gr.Row():
            category = gr.Textbox(label="Category", placeholder="e.g. cs.CV")
            source = gr.Textbox(label="Source", placeholder="file name it came from")
            author = gr.Textbox(label="Author", placeholder="part of a name")
    return [backend, top_k, year_from, year_to, category, source, author]


def _chat_tab(h: Handlers, assistant: Assistant) -> tuple:
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                height=600, buttons=["copy"], label="Chat", elem_id="rag-chat",
                examples=[{"text": q} for q in assistant.settings.ui.examples],
                placeholder="Ask a question about the papers in the collection. Answers cite their sources as [n].", **NO_TEX,
            )
            message = gr.Textbox(placeholder="Ask about the papers…", show_label=False, submit_btn="Ask", elem_id="rag-input")
            with gr.Row():
                clear = gr.Button("Clear chat", size="sm")
                export = gr.Button("Export cited references (BibTeX)", size="sm")
            bib_file = gr.File(label="Cited references (BibTeX)", visible=False, interactive=False, elem_id="rag-bib")
            settings = _settings_panel(assistant)
        with gr.Column(scale=2):
            gr.Markdown("### Sources", **NO_TEX)
            cards = gr.HTML(cards_html(None, 0), elem_id="rag-cards")
            related = gr.HTML("", elem_id="rag-related")
            related_pid = gr.Textbox(elem_id="related-pid", elem_classes="rag-hidden", show_label=False)
            related_go = gr.Button("related", elem_id="related-go", elem_classes="rag-hidden")
            drop_key = gr.Textbox(elem_id="drop-filter", elem_classes="rag-hidden", show_label=False)
            drop_go = gr.Button("drop filter", elem_id="drop-go", elem_classes="rag-hidden")
    private = {"api_visibility": "private"}
    ask_inputs = [message, chatbot, turns, *settings]
    ask_outputs = [chatbot, turns, cards, message]
    message.submit(h.respond, ask_inputs, ask_outputs, **private)

    def pick_example(data: gr.SelectData) -> str:  # the type hint is what makes Gradio pass the event
        return data.value["text"]

    chatbot.example_select(pick_example, None, message, **private).then(h.respond, ask_inputs, ask_outputs, **private)
    clear.click(h.clear, None, [chatbot, turns, cards, related, bib_file], **private)
    export.click(h.export_bibtex, turns, bib_file, **private)
    related_go.click(h.related, related_pid, related, **private)
    drop_go.click(h.drop_filter, [drop_key, chatbot, turns, *settings], [chatbot, turns, cards, message], **private)

    def like(turns_value: list, data: gr.LikeData) -> None:
        h.on_like(turns_value, data.index, data.liked)

    chatbot.like(like, turns, None, **private)
    return turns


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole page for one Assistant. Nothing heavy loads here: the model loads on first question."""
    h = Handlers(assistant)
    with gr.Blocks(title="Paper abstracts assistant") as demo:
        with gr.Column(elem_id="rag-header"):
            gr.Markdown("# Ask the paper abstracts", **NO_TEX)
            stats_line = gr.Markdown("", elem_id="rag-stats-line", **NO_TEX)
        with gr.Tab("Chat"):
            turns = _chat_tab(h, assistant)
        with gr.Tab("Collection"):
            stats = gr.Markdown("", elem_id="rag-stats", **NO_TEX)
            upload = gr.File(label=f"Add files ({', '.join(ALLOWED_SUFFIXES)}; up to {assistant.settings.ui.max_upload_mb} MB each)",
                             file_count="multiple", elem_id="rag-upload")
            add = gr.Button("Add to collection", variant="primary", elem_id="rag-add")
            summary = gr.Textbox(label="Ingest summary", lines=6, interactive=False, elem_id="rag-summary")

            def upload_files(files, progress=gr.Progress()):
                return h.upload(files, progress)

            add.click(upload_files, upload, summary, api_visibility="private").then(
                h.stats_markdown, None, stats, api_visibility="private").then(h.stats_markdown, None, stats_line, api_visibility="private")
        with gr.Tab("Map") as map_tab:
            colour = gr.Radio(["cluster", "category"], value="cluster", label="Colour by")
            plot = gr.ScatterPlot(x="x", y="y", color="group", tooltip=["title", "group"], height=600, label="Papers by embedding (similar papers sit together)",
                                  x_title=" ", y_title=" ", elem_id="rag-map")
            legend = gr.HTML("", elem_id="rag-map-legend")
        map_tab.select(h.paper_map, [colour, turns], [plot, legend], api_visibility="private")
        colour.change(h.paper_map, [colour, turns], [plot, legend], api_visibility="private")
        demo.load(h.stats_markdown, None, stats_line, api_visibility="private").then(h.stats_markdown, None, stats, api_visibility="private")
        gr.api(h.chat_api, api_name="chat", api_description="Answer a question about the collection, with numbered citations.")
    return demo
