"""Citation validation on crafted model replies.

The replies are hand-written strings on purpose: this tests the validator, and a real model
cannot be made to invent a given marker on demand. The embedding model is the real one.
"""

from __future__ import annotations

import pytest

from rag.answer.citations import CitationValidator
from rag.embedding.cache import SentenceVectors
from rag.text.markers import strip_markers
from rag.text.sentences import split_sentences
from rag.types import Hit, PaperMeta

MEDUSA = Hit(
    "p-medusa", "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads", 0.9,
    "We present Medusa, which adds extra decoding heads to an LLM to predict several tokens in parallel. "
    "Medusa-1 achieves over 2.2x speedup without compromising generation quality.",
    PaperMeta(authors=["Tianle Cai", "Yuhong Li"], year=2024, url="https://arxiv.org/abs/2401.10774"),
)
EAGLE = Hit(
    "p-eagle", "EAGLE: Speculative Sampling Requires Rethinking Feature Uncertainty", 0.8,
    "EAGLE performs autoregression at the feature level instead of the token level. "
    "It reaches 160 tokens per second on a 13B model with one RTX 3090.",
    PaperMeta(authors=["Yuhui Li"], year=2024),
)


@pytest.fixture(scope="module")
def validator():
    from rag.embedding import LazyEmbedder
    from rag.settings import EmbeddingSettings

    return CitationValidator(SentenceVectors(LazyEmbedder(EmbeddingSettings())), support_threshold=0.45)


def test_invented_markers_are_removed_and_reported(validator):
    reply = "EAGLE drafts at the feature level [2][7]. Medusa adds decoding heads [1, 9]. Pigs fly [12]."
    result = validator.validate(reply, [MEDUSA, EAGLE])
    assert sorted(result.removed) == ["[12]", "[7]", "[9]"]
    assert "[7]" not in result.text and "[9]" not in result.text and "[12]" not in result.text
    assert {c.paper_id for c in result.citations} == {"p-medusa", "p-eagle"}


def test_citations_are_renumbered_in_order_of_first_use(validator):
    result = validator.validate("EAGLE reaches 160 tokens per second [2]. Medusa adds extra decoding heads [1].", [MEDUSA, EAGLE])
    assert result.text == "EAGLE reaches 160 tokens per second [1]. Medusa adds extra decoding heads [2]."
    assert [(c.number, c.paper_id) for c in result.citations] == [(1, "p-eagle"), (2, "p-medusa")]
    assert result.citations[1].authors == ["Tianle Cai", "Yuhong Li"] and result.citations[1].year == 2024


def test_evidence_is_the_supporting_abstract_sentence(validator):
    result = validator.validate("Medusa-1 gets a 2.2x speedup without hurting quality [1].", [MEDUSA, EAGLE])
    assert result.citations[0].evidence[0] == "Medusa-1 achieves over 2.2x speedup without compromising generation quality."
    assert result.sentences[0].supported and result.sentences[0].support > 0.6


def test_a_claim_its_source_does_not_support_is_flagged(validator):
    result = validator.validate("Medusa was trained on protein folding data from the ocean floor [1].", [MEDUSA])
    assert result.sentences[0].citations == [1]
    assert not result.sentences[0].supported
    assert result.citations[0].evidence == []


def test_ranges_and_lists_of_markers(validator):
    result = validator.validate("Both speed up decoding [1-2].", [MEDUSA, EAGLE])
    assert result.text == "Both speed up decoding [1][2]."
    assert result.removed == []


def test_sentence_splitting_keeps_abbreviations_and_numbers():
    text = "We use e.g. GRU cells. It is 2.5x faster than Fig. 3 shows [1]. Done."
    assert split_sentences(text) == ["We use e.g. GRU cells.", "It is 2.5x faster than Fig. 3 shows [1].", "Done."]
    assert strip_markers("Fast [1][2].") == "Fast."
