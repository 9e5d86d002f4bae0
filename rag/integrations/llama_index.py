"""LlamaIndex interfaces: our paper-level retriever and our cited answers inside a LlamaIndex pipeline.

``Assistant.as_retriever()`` and ``Assistant.as_query_engine()`` return these:

>>> from llama_index.core.query_engine import RetrieverQueryEngine            # doctest: +SKIP
>>> retriever = assistant.as_retriever(top_k=5, filters={"year_from": 2024})  # doctest: +SKIP
>>> [(n.metadata["title"], n.score) for n in retriever.retrieve("speculative decoding")]  # doctest: +SKIP
>>> engine = assistant.as_query_engine()                                     # doctest: +SKIP
>>> response = engine.query("What speedup does Medusa report?")             # doctest: +SKIP
>>> str(response), [n.metadata["number"] for n in response.source_nodes]   # doctest: +SKIP

A retrieved node is one *paper* (title and abstract as text), not a chunk: that is the unit our
retrieval ranks and calibrates, and the unit a citation names. The query engine's response is
the validated cited answer, [n] markers included; its source nodes are the cited papers in
marker order, each holding the evidence sentences the answer quoted.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.callbacks import CallbackManager
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.types import Answer, Hit

if TYPE_CHECKING:
    from rag.assistant import Assistant


def _paper_metadata(hit: Hit) -> dict[str, Any]:
    meta = hit.metadata
    return {"paper_id": hit.paper_id, "title": hit.title, "authors": list(meta.authors), "year": meta.year, "url": meta.url,
            "categories": list(meta.categories), "sources": list(meta.sources), "score": hit.score}


def hit_node(hit: Hit) -> NodeWithScore:
    """One retrieved paper as a LlamaIndex node (its id is the paper id; its score the calibrated relevance)."""
    node = TextNode(id_=hit.paper_id, text=f"{hit.title}\n\n{hit.abstract}", metadata=_paper_metadata(hit),
                    excluded_embed_metadata_keys=["score", "sources"], excluded_llm_metadata_keys=["score", "paper_id", "sources"])
    return NodeWithScore(node=node, score=hit.score)


class PaperRetriever(BaseRetriever):
    """A LlamaIndex retriever over the assistant's hybrid, paper-level retrieval."""

    def __init__(self, assistant: Assistant, top_k: int | None = None, filters: dict | None = None, mode: str | None = None,
                 callback_manager: CallbackManager | None = None):
        super().__init__(callback_manager=callback_manager)
        self.assistant, self.top_k, self.filters, self.mode = assistant, top_k, filters, mode

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.assistant.retrieve(query_bundle.query_str, top_k=self.top_k, filters=self.filters, mode=self.mode)
        return [hit_node(h) for h in hits]

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return await asyncio.to_thread(self._retrieve, query_bundle)


def answer_response(answer: Answer) -> Response:
    """A cited Answer as a LlamaIndex Response: the text with its markers, the cited papers as source nodes."""
    by_id = {h.paper_id: h for h in answer.sources}
    nodes = []
    for citation in sorted(answer.citations, key=lambda c: c.number):
        hit = by_id.get(citation.paper_id)
        metadata = {**(_paper_metadata(hit) if hit else {"paper_id": citation.paper_id, "title": citation.title, "url": citation.url}),
                    "number": citation.number, "evidence": list(citation.evidence)}
        node = TextNode(id_=citation.paper_id, text=" ".join(citation.evidence) or citation.title, metadata=metadata)
        nodes.append(NodeWithScore(node=node, score=hit.score if hit else None))
    return Response(response=answer.text, source_nodes=nodes, metadata={
        "references": answer.references(), "abstained": answer.abstained, "backend": answer.backend,
        "notices": list(answer.notices), "confidence": answer.confidence})


class CitedQueryEngine(BaseQueryEngine):
    """A LlamaIndex query engine whose responses are the assistant's validated, cited answers."""

    def __init__(self, assistant: Assistant, backend: str | None = None, top_k: int | None = None, filters: dict | None = None,
                 callback_manager: CallbackManager | None = None):
        super().__init__(callback_manager=callback_manager or CallbackManager())
        self.assistant, self.backend, self.top_k, self.filters = assistant, backend, top_k, filters

    def _get_prompt_modules(self) -> dict[str, Any]:
        return {}  # prompts live in config/prompts.yaml, not in LlamaIndex prompt objects

    def _query(self, query_bundle: QueryBundle) -> Response:
        answer = self.assistant.ask(query_bundle.query_str, backend=self.backend, top_k=self.top_k, filters=self.filters)
        return answer_response(answer)

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return await asyncio.to_thread(self._query, query_bundle)
