"""Faithfulness, two ways: a model-free-of-LLM support heuristic and an optional LLM judge."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import yaml

from rag.errors import UserError
from rag.evaluation.scoring import answer_sentences
from rag.text.markers import strip_markers
from rag.text.sentences import split_sentences
from rag.types import Answer


class SupportScorer:
    """Heuristic support: each cited answer sentence vs every sentence of the abstracts it cites.

    ``support = max cosine`` (embedding model, vectors L2-normalised); a sentence counts as
    supported when ``support >= threshold``. It rewards paraphrase and copying alike, so it
    is reported as a heuristic, not as proof of faithfulness.
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray], threshold: float):
        self.embed = embed
        self.threshold = threshold

    def score(self, answer: Answer) -> list[dict[str, Any]]:
        if answer.abstained:
            return []
        texts = {h.paper_id: h.abstract or " ".join(h.evidence) for h in answer.sources}
        by_number = {c.number: texts.get(c.paper_id) or " ".join(c.evidence) for c in answer.citations}
        out = []
        for sentence, numbers in answer_sentences(answer):
            evidence = [s for n in dict.fromkeys(numbers) for s in split_sentences(by_number.get(n) or "")]
            if not evidence:
                continue
            claim = strip_markers(sentence)
            vectors = self.embed([claim, *evidence])
            support = float(np.max(vectors[1:] @ vectors[0]))
            out.append({"sentence": claim, "support": round(support, 4), "supported": support >= self.threshold})
        return out


def support_metrics(support: list[dict[str, Any]]) -> dict[str, float | None]:
    """Mean max-cosine and share of supported cited sentences for one answer (None if nothing cited)."""
    if not support:
        return {"support_mean": None, "supported_rate": None}
    return {
        "support_mean": sum(s["support"] for s in support) / len(support),
        "supported_rate": sum(1 for s in support if s["supported"]) / len(support),
    }


def load_judge_prompts(path: str | Path) -> dict[str, str]:
    path = Path(path)
    if not path.is_file() and not path.is_absolute():
        # The default is relative to the checkout, so `rag eval --judge` also works from another folder.
        path = Path(__file__).resolve().parents[2] / path
    if not path.is_file():
        raise UserError(f"judge prompt file not found: {path}; set evaluation.judge_prompts to config/judge_prompts.yaml")
    prompts = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(prompts, dict) or "faithfulness" not in prompts:
        raise UserError(f"{path} must hold a 'faithfulness' prompt template; see config/judge_prompts.yaml")
    return prompts


def _parse_verdict(reply: str) -> dict[str, Any]:
    """The judge is asked for JSON; small models wrap it in prose, so take the first {...} and fall back to keywords."""
    match = re.search(r"\{.*?\}", reply or "", re.S)
    if match:
        try:
            data = json.loads(match.group(0))
            verdict = str(data.get("verdict", "")).strip().lower()
            if verdict in ("faithful", "unfaithful"):
                return {"verdict": verdict, "reason": str(data.get("reason", "")).strip()}
        except (json.JSONDecodeError, AttributeError):
            pass
    lowered = (reply or "").lower()
    verdict = "unfaithful" if "unfaithful" in lowered else "faithful" if "faithful" in lowered else "unparsed"
    return {"verdict": verdict, "reason": (reply or "").strip()[:500]}


class LLMJudge:
    """Asks an LLM (any ``complete(prompt) -> str``) whether the answer is supported by its sources.

    Each verdict is stored with the judge's reason. Off unless ``rag eval --judge``.
    """

    def __init__(self, complete: Callable[[str], str], prompts: dict[str, str], max_context_chars: int = 6000):
        self.complete = complete
        self.prompts = prompts
        self.max_context_chars = max_context_chars

    def judge(self, answer: Answer) -> dict[str, Any] | None:
        if answer.abstained or not answer.text.strip():
            return None
        sources = "\n\n".join(f"[{c.number}] {c.title}\n" + " ".join(c.evidence) for c in answer.citations)
        if not sources:
            sources = "\n\n".join(f"[{i}] {h.title}\n{h.abstract}" for i, h in enumerate(answer.sources[:3], 1))
        prompt = self.prompts["faithfulness"].format(
            question=answer.question, answer=answer.text, sources=sources[: self.max_context_chars]
        )
        try:
            reply = self.complete(prompt)
        except UserError as exc:
            return {"verdict": "error", "reason": str(exc)}
        return _parse_verdict(reply)
