"""The fused ONNX graph of a BERT encoder with mean pooling, written straight from its safetensors weights.

The default embedding backend needs this graph once per machine. Exporting it with torch
(``torch.onnx.export``, then onnxruntime's transformer optimizer) took 15-25 s on a fresh
2-core machine, most of it importing torch and tracing, and it sat on the path of every first
``rag ingest``, ``rag serve`` and test run. A BERT encoder is a fixed recipe, and onnxruntime
has one fused operator per step of it (EmbedLayerNormalization, Attention, SkipLayerNormalization,
BiasGelu), so the graph the optimizer produced is written here directly, node for node, from the
weights: no torch, no transformers, well under a second. Any other architecture (or activation,
or weights only in a torch pickle) is not ours to guess, and goes through the torch export.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

EPSILON_DEFAULT = 1e-12


_EMBEDDINGS = ("word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias")
_LAYER = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense")
_LAYER_NORMS = ("attention.output.LayerNorm", "output.LayerNorm")


def _needed(layers: int) -> list[str]:
    """Every weight the graph reads, by its name without a prefix."""
    names = [f"embeddings.{n}" for n in _EMBEDDINGS]
    for n in range(layers):
        names += [f"encoder.layer.{n}.{part}.{kind}" for part in (*_LAYER, *_LAYER_NORMS) for kind in ("weight", "bias")]
    return names


def _prefix(keys: set[str]) -> str | None:
    """The prefix the checkpoint puts before BERT's own weight names ("", "bert.", "0.auto_model."), or None."""
    found = next((k for k in keys if k.endswith("embeddings.word_embeddings.weight")), None)
    return found[: -len("embeddings.word_embeddings.weight")] if found is not None else None


def buildable(location: str) -> bool:
    """Whether this model folder is a plain BERT encoder whose safetensors hold every weight the graph reads, as
    float32 or float16: the one recipe written here (anything else goes through torch's export)."""
    root = Path(location)
    config_path, weights_path = root / "config.json", root / "model.safetensors"
    if not (config_path.is_file() and weights_path.is_file()):
        return False
    config = json.loads(config_path.read_text())
    if not (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and int(config.get("type_vocab_size", 0)) > 0 and int(config["hidden_size"]) % int(config["num_attention_heads"]) == 0):
        return False
    from safetensors import safe_open

    with safe_open(str(weights_path), "np") as handle:
        keys = set(handle.keys())
        prefix = _prefix(keys)
        if prefix is None or not all(prefix + name in keys for name in _needed(int(config["num_hidden_layers"]))):
            return False
        dtypes = {str(handle.get_slice(prefix + name).get_dtype()) for name in _needed(1)}
    return dtypes <= {"F32", "F16"}  # numpy reads neither bf16 nor quantised weights


def build_fused_bert(location: str, out: Path) -> None:
    """Write the mean-pooled, L2-normalised sentence embedding graph of the BERT model at ``location`` to ``out``.

    Inputs ``input_ids``, ``attention_mask``, ``token_type_ids`` (int64, right-padded), output ``embedding``:
    the same graph, operator for operator, as the torch export fused by onnxruntime's optimizer.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    root = Path(location)
    config = json.loads((root / "config.json").read_text())
    loaded = load_file(str(root / "model.safetensors"))
    prefix = _prefix(set(loaded)) or ""
    weights = {name.removeprefix(prefix): array for name, array in loaded.items()}
    eps = float(config.get("layer_norm_eps", EPSILON_DEFAULT))
    heads, layers = int(config["num_attention_heads"]), int(config["num_hidden_layers"])
    initializers: list = []

    def constant(name: str, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(name: str, transpose: bool = False) -> str:
        array = weights[name].astype(np.float32)
        return constant(name, array.T if transpose else array)

    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids32"], to=TensorProto.INT32),
        helper.make_node("Cast", ["token_type_ids"], ["types32"], to=TensorProto.INT32),
        helper.make_node("Cast", ["attention_mask"], ["mask32"], to=TensorProto.INT32),
        helper.make_node("EmbedLayerNormalization",
                         ["ids32", "types32", weight("embeddings.word_embeddings.weight"),
                          weight("embeddings.position_embeddings.weight"), weight("embeddings.token_type_embeddings.weight"),
                          weight("embeddings.LayerNorm.weight"), weight("embeddings.LayerNorm.bias"), "mask32"],
                         ["hidden_0", "mask_index"], domain="com.microsoft", epsilon=eps),
    ]
    hidden = "hidden_0"
    for n in range(layers):
        p = f"encoder.layer.{n}."
        qkv = np.concatenate([weights[p + f"attention.self.{part}.weight"].T for part in ("query", "key", "value")], axis=1)
        qkv_bias = np.concatenate([weights[p + f"attention.self.{part}.bias"] for part in ("query", "key", "value")])
        nodes += [
            helper.make_node("Attention", [hidden, constant(f"qkv_weight_{n}", qkv.astype(np.float32)),
                                           constant(f"qkv_bias_{n}", qkv_bias.astype(np.float32)), "mask_index"],
                             [f"attention_{n}"], domain="com.microsoft", num_heads=heads),
            helper.make_node("MatMul", [f"attention_{n}", weight(p + "attention.output.dense.weight", transpose=True)], [f"projected_{n}"],
                             name=f"/encoder/layer.{n}/attention/output/dense/MatMul"),
            helper.make_node("SkipLayerNormalization",
                             [f"projected_{n}", hidden, weight(p + "attention.output.LayerNorm.weight"),
                              weight(p + "attention.output.LayerNorm.bias"), weight(p + "attention.output.dense.bias")],
                             [f"attended_{n}"], domain="com.microsoft", epsilon=eps),
            helper.make_node("MatMul", [f"attended_{n}", weight(p + "intermediate.dense.weight", transpose=True)], [f"widened_{n}"],
                             name=f"/encoder/layer.{n}/intermediate/dense/MatMul"),
            helper.make_node("BiasGelu", [f"widened_{n}", weight(p + "intermediate.dense.bias")], [f"activated_{n}"], domain="com.microsoft"),
            # Named as torch's export names it: eval/bench_encoders.py finds each layer's feed-forward output by name.
            helper.make_node("MatMul", [f"activated_{n}", weight(p + "output.dense.weight", transpose=True)], [f"narrowed_{n}"],
                             name=f"/encoder/layer.{n}/output/dense/MatMul"),
            helper.make_node("SkipLayerNormalization",
                             [f"narrowed_{n}", f"attended_{n}", weight(p + "output.LayerNorm.weight"),
                              weight(p + "output.LayerNorm.bias"), weight(p + "output.dense.bias")],
                             [f"hidden_{n + 1}"], domain="com.microsoft", epsilon=eps),
        ]
        hidden = f"hidden_{n + 1}"
    # Mean over the real tokens (sentence-transformers' pooling), then unit length.
    axis_tokens, axis_last = constant("axis_tokens", np.array([1], dtype=np.int64)), constant("axis_last", np.array([-1], dtype=np.int64))
    nodes += [
        helper.make_node("Unsqueeze", ["attention_mask", axis_last], ["mask_3d"]),
        helper.make_node("Cast", ["mask_3d"], ["mask_float"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [hidden, "mask_float"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", axis_tokens], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask_float", axis_tokens], ["counts"], keepdims=0),
        helper.make_node("Clip", ["counts", constant("min_count", np.array(1e-9, dtype=np.float32))], ["counts_safe"]),
        helper.make_node("Div", ["summed", "counts_safe"], ["pooled"]),
        helper.make_node("ReduceL2", ["pooled"], ["norm"], axes=[1], keepdims=1),
        helper.make_node("Clip", ["norm", constant("min_norm", np.array(1e-12, dtype=np.float32))], ["norm_safe"]),
        helper.make_node("Div", ["pooled", "norm_safe"], ["embedding"]),
    ]
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"]) for name in ("input_ids", "attention_mask", "token_type_ids")]
    output = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", int(config["hidden_size"])])
    graph = helper.make_graph(nodes, "mean_pooled_bert", inputs, [output], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    onnx.save(model, str(out))
