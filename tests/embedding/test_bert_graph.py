"""The fused BERT graph written from safetensors weights: which checkpoints it takes, and its vectors."""

from __future__ import annotations

import json
import shutil

import numpy as np
from safetensors.numpy import load_file, save_file

from rag.embedding.bert_graph import build_fused_bert, buildable
from rag.embedding.local import resolve_model_location
from rag.embedding.onnx import OnnxEmbedder
from rag.settings import EmbeddingSettings

TEXTS = ["Diffusion models erase concepts.", "x", "Speculative decoding: " + "a draft model proposes tokens. " * 60]


def _model_copy(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(resolve_model_location(EmbeddingSettings().model)[0], folder)
    return folder


def test_a_checkpoint_whose_names_carry_a_prefix_gives_the_same_vectors(tmp_path):
    folder = _model_copy(tmp_path)
    weights = load_file(str(folder / "model.safetensors"))
    save_file({f"bert.{name}": array for name, array in weights.items()}, str(folder / "model.safetensors"))
    assert buildable(str(folder))
    build_fused_bert(str(folder), tmp_path / "prefixed.onnx")
    plain = OnnxEmbedder(EmbeddingSettings(backend="onnx")).embed(TEXTS)
    prefixed = OnnxEmbedder(EmbeddingSettings(backend="onnx"), graph=tmp_path / "prefixed.onnx").embed(TEXTS)
    assert np.abs(plain - prefixed).max() < 1e-5


def test_other_architectures_and_incomplete_checkpoints_go_to_torch(tmp_path):
    folder = _model_copy(tmp_path)
    assert buildable(str(folder))
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "roberta"}))
    assert not buildable(str(folder))  # not the recipe written here
    (folder / "config.json").write_text(json.dumps(config))
    weights = load_file(str(folder / "model.safetensors"))
    del weights["encoder.layer.3.output.dense.bias"]
    save_file(weights, str(folder / "model.safetensors"))
    assert not buildable(str(folder))  # a weight the graph reads is missing
    (folder / "model.safetensors").unlink()
    assert not buildable(str(folder))  # weights only in a torch pickle
