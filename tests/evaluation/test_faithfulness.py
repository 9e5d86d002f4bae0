"""Faithfulness: the embedding-based support heuristic and the LLM judge, with real models."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.types import Answer, AnswerSentence, Citation
from rag.evaluation.faithfulness import LLMJudge, SupportScorer, _parse_verdict, load_judge_prompts, support_metrics
from rag.types import Hit, PaperMeta
from rag.settings import EmbeddingSettings, load_settings
from support import smollm_gguf

ROOT = Path(__file__).resolve().parents[2]
ABSTRACT = ("Medusa adds extra decoding heads to an LLM to predict several subsequent tokens in parallel. "
            "Medusa-1 achieves over 2.2x speedup without compromising generation quality.")


def _answer(text_sentences: list[str]) -> Answer:
    hit = Hit(paper_id="arxiv:2401.10774", title="Medusa", score=0.9, abstract=ABSTRACT, metadata=PaperMeta())
    sentences = [AnswerSentence(s + " [1].", [1]) for s in text_sentences]
    return Answer(question="What speedup does Medusa report?", text=" ".join(s.text for s in sentences),
                  citations=[Citation(1, hit.paper_id, hit.title, None, [ABSTRACT])], sources=[hit], sentences=sentences)


def test_support_separates_copied_from_invented_claims():
    from rag.embedding.local import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(EmbeddingSettings())
    scorer = SupportScorer(embedder.embed, threshold=0.6)
    rows = scorer.score(_answer(["Medusa-1 achieves over 2.2x speedup without compromising generation quality",
                               "The recipe for sourdough bread needs a long cold fermentation"]))
    assert [r["supported"] for r in rows] == [True, False]
    assert rows[0]["support"] > 0.95 and rows[1]["support"] < 0.3
    assert "[1]" not in rows[0]["sentence"]
    summary = support_metrics(rows)
    assert summary["supported_rate"] == 0.5
    assert summary["support_mean"] == pytest.approx((rows[0]["support"] + rows[1]["support"]) / 2)
    assert scorer.score(Answer(question="q", text="Nothing found.", abstained=True)) == []
    assert support_metrics([]) == {"support_mean": None, "supported_rate": None}


def test_verdict_parsing_keeps_the_reason():
    assert _parse_verdict('Sure! {"verdict": "Unfaithful", "reason": "2.2x is not 3x"} done') == {
        "verdict": "unfaithful", "reason": "2.2x is not 3x"}
    assert _parse_verdict("The answer is faithful to source 1.")["verdict"] == "faithful"
    assert _parse_verdict("no idea")["verdict"] == "unparsed"


def test_llm_judge_with_a_real_local_model():
    from rag.evaluation.judge_backend import judge_complete

    settings = load_settings(overrides={"evaluation.judge_backend": "local", "local_llm.model_path": smollm_gguf(),
                                        "local_llm.max_tokens": 48, "local_llm.n_ctx": 2048})
    prompts = load_judge_prompts(ROOT / "config" / "judge_prompts.yaml")
    calls: list[str] = []
    complete = judge_complete(settings)

    def recording(prompt: str) -> str:
        calls.append(prompt)
        return complete(prompt)

    verdict = LLMJudge(recording, prompts).judge(_answer(["Medusa-1 achieves over 2.2x speedup"]))
    assert len(calls) == 1 and "2.2x speedup" in calls[0] and ABSTRACT in calls[0]
    # A 135M model is a weak judge; what must hold is that a verdict and its reason are recorded.
    assert verdict["verdict"] in {"faithful", "unfaithful", "unparsed"} and verdict["reason"]
    assert LLMJudge(recording, prompts).judge(Answer(question="q", text="", abstained=True)) is None
