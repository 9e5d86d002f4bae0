"""The OpenAI-compatible endpoint of `rag serve`, driven by the real `openai` Python client on loopback."""

from __future__ import annotations

import re
import shutil

import pytest
from support.serving import RagServe

from ui.openai_api import split_messages

TOPIC = "Which papers speed up LLM inference with speculative decoding?"
FOLLOW_UP = "Which of them uses the model's own early layers to draft tokens?"


@pytest.fixture(scope="module")
def server(sample_data_dir, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("openai-api") / "data"
    shutil.copytree(sample_data_dir, data_dir)
    with RagServe(data_dir) as served:
        yield served


@pytest.fixture(scope="module")
def client(server):
    from openai import OpenAI

    return OpenAI(base_url=server.url + "v1", api_key="unused-on-loopback-without-auth", max_retries=0, timeout=300)


@pytest.fixture(scope="module")
def topic_reply(client):
    return client.chat.completions.create(model="rag-extractive", messages=[{"role": "user", "content": TOPIC}])


def test_models_name_the_backends(client):
    assert [m.id for m in client.models.list()] == ["rag-extractive"]  # no model is configured in the test server


def test_answer_keeps_markers_and_carries_references_twice(topic_reply):
    text = topic_reply.choices[0].message.content
    citations = topic_reply.model_extra["citations"]
    assert len(citations) >= 2
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", text.split("References:")[0])}
    assert markers == {c["number"] for c in citations}
    # In the message, for clients that ignore the extension field ...
    references = text.split("References:", 1)[1]
    for c in citations:
        assert f"[{c['number']}]" in references and c["title"] in references
    # ... and structured, with the evidence the answer quoted.
    # (the sample's listing pages carry no links, so url is null here)
    assert all(c["paper_id"] and c["evidence"] and "url" in c and (c["url"] is None or c["url"].startswith("http")) for c in citations)
    assert any("speculative" in " ".join(c["evidence"]).lower() for c in citations)


def test_streaming_gives_the_same_answer_and_citations(client, topic_reply):
    stream = client.chat.completions.create(model="rag-extractive", messages=[{"role": "user", "content": TOPIC}], stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == topic_reply.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"] == topic_reply.model_extra["citations"]
    assert len(chunks) >= 3


def test_earlier_messages_are_the_history(client, topic_reply):
    first = topic_reply.model_extra["citations"]
    reply = client.chat.completions.create(model="rag-extractive", messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": TOPIC},
        {"role": "assistant", "content": topic_reply.choices[0].message.content},
        {"role": "user", "content": FOLLOW_UP},
    ])
    cited = reply.model_extra["citations"]
    assert cited, reply.choices[0].message.content
    # The follow-up chose among the papers of the previous answer (read back from its References block).
    assert {c["paper_id"] for c in cited} <= {c["paper_id"] for c in first}
    assert any("layer" in " ".join(c["evidence"]).lower() or "self-speculative" in c["title"].lower() for c in cited)


def test_unknown_model_and_bad_messages_are_openai_errors(client):
    import openai

    with pytest.raises(openai.NotFoundError, match="rag-extractive"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": TOPIC}])
    with pytest.raises(openai.BadRequestError, match="last message must be the user's question"):
        client.chat.completions.create(model="rag-extractive", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="empty"):
        client.chat.completions.create(model="rag-extractive", messages=[{"role": "user", "content": "  "}])


def test_split_messages_keeps_text_parts_and_drops_system():
    question, history = split_messages([
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "What is "}, {"type": "text", "text": "Medusa?"}]},
    ])
    assert question == "What is Medusa?" and history == []
