"""Export a sentence-transformers (BERT-family, mean-pooling) model to ONNX, once, into a cache.

A plain BERT encoder's fused fp32 graph is written from its weights (rag.embedding.bert_graph);
other models, and the unfused graph the int8 variant is quantised from, go through torch.

We export by hand with ``torch.onnx.export`` instead of ``sentence-transformers[onnx]`` /
optimum because those extras pin older huggingface-hub and transformers releases, which
would break gradio and the rest of this environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

from rag.embedding.bert_graph import build_fused_bert, buildable
from rag.errors import UserError

# Bump when the exported graph changes, so stale cached exports are not reused.
# 2: the fp32 graph is fused by onnxruntime's transformer optimizer (same vectors, fewer ops).
# 3: a BERT model's fused fp32 graph is written from its weights without torch (rag.embedding.bert_graph;
#    the same operators and vectors as 2).
EXPORT_VERSION = "3"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def check_mean_pooling(location: str) -> None:
    """The graph bakes in mean pooling + L2 norm; refuse models configured otherwise."""
    config = Path(location) / "1_Pooling" / "config.json"
    if config.is_file() and not json.loads(config.read_text()).get("pooling_mode_mean_tokens", False):
        raise UserError(
            f"the onnx embedding backend supports mean-pooling models only, and {location} pools differently; "
            "set embedding.backend to sentence-transformers"
        )


def _fingerprint(location: str, variant: str) -> str:
    """Changes when the model files change, so a cached export always matches its weights."""
    digest = hashlib.sha1(f"{EXPORT_VERSION}|{variant}".encode())
    root = Path(location)
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = root / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:12]


class OnnxExporter:
    """Produces (or finds in ``cache_dir``) the ONNX file for one model and variant.

    >>> path = OnnxExporter(model_dir, Path("data/models"), "fp32").export()   # doctest: +SKIP
    """

    def __init__(self, location: str, cache_dir: Path, variant: str):
        self.location = location
        self.cache_dir = Path(cache_dir)
        self.variant = variant

    def target(self) -> Path:
        slug = Path(self.location).name or "model"
        return self.cache_dir / f"{slug}-{_fingerprint(self.location, self.variant)}-{self.variant}.onnx"

    def export(self) -> Path:
        target = self.target()
        if target.is_file():
            return target
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.cache_dir)
            probe.close()
        except OSError as exc:
            raise UserError(f"cannot write the model's ONNX export to {self.cache_dir} ({exc.strerror or type(exc).__name__}); "
                            "set embedding.model_cache to a writable folder") from None
        # Before either path: the graph bakes in mean pooling, and a model that pools otherwise must not get one silently.
        check_mean_pooling(self.location)
        if self.variant == "fp32" and buildable(self.location):
            # The fused graph straight from the weights: under a second, against 15-25 s for torch's export.
            self._atomic(target, lambda out: build_fused_bert(self.location, out))
            return target
        plain = self.unfused()
        if self.variant == "int8":
            # Quantised from the unfused graph, as before: stores built with int8 keep their vectors.
            self._atomic(target, lambda out: _quantize(plain, out))
        else:
            self._atomic(target, lambda out: _fuse(plain, out, self.location))
        return target

    def unfused(self) -> Path:
        """torch's plain fp32 export (made here once): what int8 is quantised from, and what the fusion starts from."""
        plain = self.cache_dir / f"{self.target().stem.removesuffix('-' + self.variant)}-unfused.onnx"
        if not plain.is_file():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            self._atomic(plain, self._write_fp32)
        return plain

    @staticmethod
    def _atomic(final: Path, write) -> None:
        # Two processes may export at once; each writes its own temp file and the
        # rename is atomic, so a reader never sees a half-written model.
        handle, tmp = tempfile.mkstemp(dir=final.parent, suffix=".onnx.tmp")
        os.close(handle)
        try:
            write(Path(tmp))
            os.replace(tmp, final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _write_fp32(self, out: Path) -> None:
        import torch
        import transformers
        from transformers import AutoModel, AutoTokenizer

        # The per-load "Loading weights" bar is noise in a CLI's first run and in server logs.
        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        check_mean_pooling(self.location)
        # Eager attention exports as plain MatMul/Softmax, which onnxruntime runs well.
        model = AutoModel.from_pretrained(self.location, attn_implementation="eager").eval()
        tokenizer = AutoTokenizer.from_pretrained(self.location)
        sample = tokenizer(["a short text", "a somewhat longer sample text"], padding=True, return_tensors="pt")
        args = tuple(sample[name] if name in sample else torch.zeros_like(sample["input_ids"]) for name in INPUT_NAMES)
        axes = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES} | {"embedding": {0: "batch"}}

        class MeanPooled(torch.nn.Module):
            """HF encoder + attention-masked mean pooling + L2 norm, as in the model's ST config."""

            def __init__(self, encoder):
                super().__init__()
                self.encoder = encoder

            def forward(self, input_ids, attention_mask, token_type_ids):
                # transformers 5 models must be called with keyword arguments.
                out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
                mask = attention_mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
                pooled = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            # dynamo=False: the TorchScript exporter needs only the `onnx` package, not onnxscript.
            torch.onnx.export(
                MeanPooled(model), args, str(out), dynamo=False, input_names=list(INPUT_NAMES),
                output_names=["embedding"], dynamic_axes=axes, opset_version=17,
            )


def _fuse(plain: Path, out: Path, location: str) -> None:
    """The fp32 graph with BERT's attention, LayerNorm+residual, bias+GELU and embedding ops fused.

    onnxruntime's transformer optimizer does this offline (the runtime's own graph passes do not
    match the exported attention pattern). Measured on 2 AVX2 cores, 414 chunks, same run: 1.3x
    faster than the unfused graph at 32 chunks per batch, on par at 8 (docs/BENCHMARKS.md, issue 15).
    The fused graph must give the unfused graph's vectors (cosine ≥ 0.99999 on a probe batch);
    if the optimizer does not know the model, or changes its output, the unfused graph is kept.
    """
    import shutil

    import numpy as np
    import onnxruntime as ort
    from onnxruntime.transformers import optimizer
    from transformers import AutoTokenizer

    config = json.loads((Path(location) / "config.json").read_text())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fused = optimizer.optimize_model(str(plain), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                             hidden_size=int(config["hidden_size"]), opt_level=1)
        fused.save_model_to_file(str(out))
    except Exception:  # noqa: BLE001 - an unknown architecture: the plain graph is still correct
        shutil.copyfile(plain, out)
        return
    tokenizer = AutoTokenizer.from_pretrained(location)
    probe = tokenizer(["Sparse attention for long documents.", "We prune large language models in one shot without retraining."],
                      padding=True, return_tensors="np")
    outputs = []
    for graph in (plain, out):
        session = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        feed = {name: probe[name].astype(np.int64) if name in probe else np.zeros_like(probe["input_ids"], dtype=np.int64) for name in names}
        outputs.append(session.run(None, feed)[0])
    if float((outputs[0] * outputs[1]).sum(axis=1).min()) < 0.99999:
        shutil.copyfile(plain, out)


def _quantize(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel int8 on MatMul weights only: per-tensor quantisation of every op
    # moved MiniLM vectors to cosine ~0.92 of the originals, this keeps ~0.995.
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
