"""Which CPU encoder for MiniLM (issue 15): ONNX graph variants × batch sizes against plain torch, same run.

    python eval/bench_encoders.py [--n 250] [--repeats 3]

Builds, in a scratch folder, the variants the issue lists: the plain fp32 export, the fp32 graph
fused (what `embedding.backend: onnx` now runs: written from the weights by rag.embedding.bert_graph, the operators onnxruntime's optimizer fuses), dynamic
int8 of every MatMul (weights uint8, which AVX2 multiplies without the int16 saturation of int8
weights), and "mixed" int8 that keeps each layer's FFN output projection (the one fed by GELU's
long-tailed outputs) in fp32; both again with int8 weights on the unfused graph ("int8-s8", which
is `onnx_variant: int8`, and "int8-s8-mixed"), the fast pairing on CPUs with AVX-512 VNNI. Each
is timed on the chunks of the first --n arXiv abstracts, interleaved with torch, median of --repeats, and compared with torch's vectors (cosine min / p1 /
mean). One JSON line per configuration. The same chunk texts and tokenisation for all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "eval")]

import numpy as np  # noqa: E402

from bench_scale import chunk_texts, plain_sentence_transformer  # noqa: E402

from rag.embedding.local import resolve_model_location  # noqa: E402
from rag.embedding.onnx import OnnxEmbedder  # noqa: E402
from rag.embedding.onnx_export import OnnxExporter  # noqa: E402
from rag.settings import EmbeddingSettings  # noqa: E402


def build_variants(work: Path) -> tuple[object, dict[str, Path]]:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    embedder = OnnxEmbedder(EmbeddingSettings(backend="onnx"), cache_dir=work)
    fused = embedder.path
    plain = OnnxExporter(resolve_model_location(EmbeddingSettings().model)[0], work, "fp32").unfused()

    def ffn_outputs(graph: Path) -> list[str]:
        """Each layer's feed-forward output MatMul (``layer.N/output/dense``), the one fed by GELU."""
        return [n.name for n in onnx.load(str(graph)).graph.node
                if n.op_type == "MatMul" and "/output/dense" in n.name and "attention" not in n.name]

    def quantised(name: str, exclude: list[str], source: Path = fused, weights=QuantType.QUInt8) -> Path:
        out = work / f"{name}.onnx"
        quantize_dynamic(str(source), str(out), weight_type=weights, per_channel=True, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=exclude, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        return out

    # uint8 weights suit AVX2 (no int16 saturation); int8 weights are the u8s8 product AVX-512 VNNI
    # runs fast. "int8-s8" is what `onnx_variant: int8` builds (the unfused graph, int8 weights).
    return embedder, {"fp32": plain, "fused": fused, "int8-all": quantised("int8-all", []), "int8-mixed": quantised("int8-mixed", ffn_outputs(fused)),
                      "int8-s8": quantised("int8-s8", [], plain, QuantType.QInt8),
                      "int8-s8-mixed": quantised("int8-s8-mixed", ffn_outputs(plain), plain, QuantType.QInt8)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=250, help="first N abstracts of the arXiv dump")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        embedder, graphs = build_variants(Path(tmp))
        texts = chunk_texts(args.n, embedder)
        lengths = [len(embedder.tokenize(t)) + 2 for t in texts]
        print(json.dumps({"chunks": len(texts), "mean_tokens": round(float(np.mean(lengths)), 1), "load_avg": os.getloadavg()}), flush=True)

        settings = EmbeddingSettings(backend="onnx", batch_size=512)  # rows are capped by batch_tokens alone
        encoders = {name: OnnxEmbedder(settings, graph=path) for name, path in graphs.items()}
        torch_model = plain_sentence_transformer()

        def run(name: str, batch_tokens: int):
            if name == "torch":
                return torch_model.encode(texts, batch_size=32, normalize_embeddings=True)
            encoders[name].batch_tokens = batch_tokens
            return encoders[name].embed(texts)

        configs = [("torch", 0), ("fp32", 16384), ("fp32", 2048), ("fused", 16384), ("fused", 2048), ("fused", 1024),
                   ("int8-mixed", 2048), ("int8-all", 2048), ("int8-s8-mixed", 2048), ("int8-s8", 2048), ("int8-s8", 512)]
        vectors = {c: run(*c) for c in configs}  # warm-up, and the vectors compared below
        seconds: dict = {c: [] for c in configs}
        for _ in range(args.repeats):
            for c in configs:
                started = time.perf_counter()
                run(*c)
                seconds[c].append(time.perf_counter() - started)
        torch_s = float(np.median(seconds[("torch", 0)]))
        for c in configs:
            cos = (vectors[c] * vectors[("torch", 0)]).sum(axis=1)
            median = float(np.median(seconds[c]))
            print(json.dumps({"encoder": c[0], "batch_tokens": c[1] or None, "median_s": round(median, 2),
                              "runs_s": [round(s, 2) for s in seconds[c]], "speedup_vs_torch": round(torch_s / median, 2),
                              "cos_min": round(float(cos.min()), 5), "cos_p1": round(float(np.percentile(cos, 1)), 5),
                              "cos_mean": round(float(cos.mean()), 5)}), flush=True)
        print(json.dumps({"load_avg_end": os.getloadavg()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
