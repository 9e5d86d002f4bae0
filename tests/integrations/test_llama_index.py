"""Our retriever and cited answers inside real llama-index-core pipelines.

The only stand-in is LlamaIndex's own MockLLM where a LlamaIndex pipeline insists on an LLM
for its synthesizer: no model that could run here is the point of these tests.
"""

from __future__ import annotations

import re

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever

QUESTION = "Which papers remove unwanted concepts from text-to-image diffusion models?"


def test_retriever_gives_paper_nodes_with_metadata_and_filters(sample_assistant):
    retriever = sample_assistant.as_retriever(top_k=5)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(QUESTION)
    hits = sample_assistant.retrieve(QUESTION, top_k=5)
    assert [n.node.node_id for n in nodes] == [h.paper_id for h in hits]  # one node per paper, in our order
    for node, hit in zip(nodes, hits):
        assert node.score == hit.score and 0 <= node.score <= 1
        assert {"title", "authors", "year", "url", "paper_id", "score"} <= set(node.metadata)
        assert node.metadata["title"] == hit.title and node.node.get_content().startswith(hit.title)
    assert any("concept" in n.metadata["title"].lower() or "erasure" in n.metadata["title"].lower() for n in nodes)
    page = "002_6702f2505304ae9f.txt"  # the filters pass through: only papers read from this listing page
    from_page = sample_assistant.as_retriever(top_k=10, filters={"source": page}).retrieve(QUESTION)
    assert from_page and all(page in n.metadata["sources"] for n in from_page)
    assert [n.node.node_id for n in from_page] == [h.paper_id for h in sample_assistant.retrieve(QUESTION, top_k=10, filters={"source": page})]


def test_retriever_inside_a_retriever_query_engine(sample_assistant):
    from llama_index.core import Settings, get_response_synthesizer
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    # LlamaIndex's synthesizers read the global Settings.llm (an OpenAI model by default, which
    # is not installed here) even in "no_text" mode; its own MockLLM stands in for the test.
    previous, Settings.llm = Settings._llm, MockLLM()
    try:
        synthesizer = get_response_synthesizer(response_mode="no_text")
        engine = RetrieverQueryEngine(retriever=sample_assistant.as_retriever(top_k=4), response_synthesizer=synthesizer)
        response = engine.query(QUESTION)
    finally:
        Settings._llm = previous
    assert [n.node.node_id for n in response.source_nodes] == [h.paper_id for h in sample_assistant.retrieve(QUESTION, top_k=4)]


def test_query_engine_response_is_the_cited_answer(sample_assistant):
    engine = sample_assistant.as_query_engine()
    assert isinstance(engine, BaseQueryEngine)
    response = engine.query(QUESTION)
    answer = sample_assistant.ask(QUESTION)
    assert str(response) == answer.text
    markers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", str(response))})
    assert markers == [n.metadata["number"] for n in response.source_nodes] == list(range(1, len(markers) + 1))
    assert [n.node.node_id for n in response.source_nodes] == [c.paper_id for c in sorted(answer.citations, key=lambda c: c.number)]
    for node in response.source_nodes:
        assert node.metadata["evidence"] and node.node.get_content().startswith(node.metadata["evidence"][0][:40])
    assert response.metadata["references"] == answer.references()


def test_query_engine_as_a_tool(sample_assistant):
    from llama_index.core.tools import QueryEngineTool

    tool = QueryEngineTool.from_defaults(sample_assistant.as_query_engine(), name="paper_abstracts",
                                         description="Answers questions about the paper collection, with numbered citations.")
    output = tool.call(QUESTION)
    assert output.content == sample_assistant.ask(QUESTION).text
    assert output.raw_output.source_nodes and not output.is_error
    assert tool.metadata.name == "paper_abstracts"


def test_query_engine_says_when_the_collection_does_not_answer(sample_assistant):
    response = sample_assistant.as_query_engine().query("What is the boiling point of tungsten hexafluoride?")
    assert response.metadata["abstained"] is True and response.source_nodes == []
