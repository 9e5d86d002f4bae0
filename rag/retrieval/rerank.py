"""Optional second-stage rerankers over the top papers: a cross-encoder, or an LLM's judgement.

Both re-order hits and record their raw output in ``hit.signals``; ``hit.score`` stays the
calibrated first-stage relevance, because the reranker's raw scale is model-specific and
uncalibrated.
"""

from __future__ import annotations

import re
from typing import Callable, Protocol

from rag.errors import UserError
from rag.settings import RetrievalSettings
from rag.types import Hit


class Reranker(Protocol):
    """A second stage: re-orders the first-stage hits of a question."""

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]: ...


def _passage(hit: Hit) -> str:
    return f"{hit.title}\n{hit.abstract}"


class CrossEncoderReranker:
    """Scores (question, title + abstract) pairs with a sentence-transformers CrossEncoder.

    >>> CrossEncoderReranker("cross-encoder/ms-marco-MiniLM-L6-v2", top_n=30)  # doctest: +SKIP
    """

    def __init__(self, model: str, top_n: int):
        from sentence_transformers import CrossEncoder

        try:
            self.model = CrossEncoder(model, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any load failure is a configuration problem
            raise UserError(
                f"cannot load rerank model '{model}' ({type(exc).__name__}); set retrieval.rerank_model to a local "
                "cross-encoder folder, or to null to turn reranking off"
            ) from None
        self.top_n = top_n

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        head, tail = hits[: self.top_n], hits[self.top_n :]
        if not head:
            return hits
        scores = self.model.predict([(question, _passage(h)) for h in head], show_progress_bar=False)
        for hit, score in zip(head, scores):
            hit.signals["rerank"] = float(score)
        return sorted(head, key=lambda h: -h.signals["rerank"]) + tail


RELEVANCE_PROMPT = (
    "Rate how relevant the paper is to the question, from 0 (unrelated) to 10 (answers it directly). "
    "Reply with the number only.\n\nQuestion: {question}\n\nPaper: {passage}\n\nRelevance (0-10):"
)


class LLMRelevanceScorer:
    """Asks any ``complete(prompt) -> str`` callable to rate each top paper 0–10, then re-orders.

    A reply without a number keeps the paper's first-stage order (it counts as -1 and
    ties are broken by the original rank), so a flaky model cannot drop papers.

    >>> scorer = LLMRelevanceScorer(lambda prompt: "7", top_n=5)
    """

    def __init__(self, complete: Callable[[str], str], top_n: int, prompt: str = RELEVANCE_PROMPT):
        self.complete = complete
        self.top_n = top_n
        self.prompt = prompt

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        head, tail = hits[: self.top_n], hits[self.top_n :]
        for hit in head:
            reply = self.complete(self.prompt.format(question=question, passage=_passage(hit)[:1500]))
            match = re.search(r"\d+(?:\.\d+)?", reply or "")
            hit.signals["llm_relevance"] = min(float(match.group()), 10.0) / 10.0 if match else -1.0
        order = {id(h): i for i, h in enumerate(head)}
        return sorted(head, key=lambda h: (-h.signals["llm_relevance"], order[id(h)])) + tail


def build_rerankers(settings: RetrievalSettings, relevance_llm: Callable[[], Callable[[str], str] | None]) -> list[Reranker]:
    """The rerankers the settings ask for. ``relevance_llm()`` is only called when LLM relevance is on."""
    out: list[Reranker] = []
    if settings.rerank_model:
        out.append(CrossEncoderReranker(settings.rerank_model, settings.rerank_top_n))
    if settings.llm_relevance:
        complete = relevance_llm()
        if complete is None:
            raise UserError("retrieval.llm_relevance is on but no LLM is configured; set answer.backend to local or openai, or turn it off")
        out.append(LLMRelevanceScorer(complete, settings.rerank_top_n))
    return out
