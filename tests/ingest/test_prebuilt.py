"""Shipped chunk vectors (rag.ingest.prebuilt): used when text and model match, never otherwise."""

from __future__ import annotations

import json

import numpy as np
from support import SAMPLE_DIR

from rag import Assistant
from rag.ingest.prebuilt import vectors_path, write
from rag.text.sentences import paper_sentences

PAPERS = [
    {"title": "Sparse Attention for Long Documents", "abstract": "We propose a sparse attention pattern that scales linearly with length."},
    {"title": "Pruning Language Models in One Shot", "abstract": "We prune large language models in one shot without any retraining."},
]


def stored(assistant: Assistant) -> dict[str, np.ndarray]:
    held = assistant.components.store.get(include=("documents", "embeddings"))
    return dict(zip(held["documents"], np.asarray(held["embeddings"], dtype=np.float32)))


def test_the_shipped_sample_vectors_cover_every_chunk_and_are_the_models_own(tmp_path):
    # A chunker or sample change must come with a rebuilt file (python scripts/build_vectors.py data/sample),
    # or a newcomer's first run pays for the model again: this fails until it is rebuilt.
    assistant = Assistant(data_dir=tmp_path / "data")
    report = assistant.ingest([SAMPLE_DIR])
    assert report.chunks_written > 600 and report.prebuilt_chunks == report.chunks_written
    assert report.embed_seconds == 0.0
    assert f"({report.prebuilt_chunks} vectors from the folder's shipped .vectors file)" in report.summary()
    vectors = stored(assistant)
    texts = sorted(vectors)[:: len(vectors) // 16][:16]
    fresh = assistant.components.embedder.embed(texts)
    cosines = np.sum(np.stack([vectors[t] for t in texts]) * fresh, axis=1)
    assert cosines.min() >= 0.9999, cosines.min()
    assert assistant.components.store.encoders() == ["torch-cpu"]


def test_the_shipped_sample_sentences_seed_the_store_so_a_first_answer_embeds_no_abstract_sentence(tmp_path, monkeypatch):
    # The file also holds every sample title and sentence (float16), which an ingest writes to the data
    # dir's sentence store: a newcomer's first answers then embed only the question, not ~130 sentences.
    assistant = Assistant(data_dir=tmp_path / "data")
    assistant.ingest([SAMPLE_DIR])
    texts = sorted({t for p in assistant.components.catalog.iter_papers() for t in [p.title, *paper_sentences(p.title, p.abstract)]})
    found = assistant.components.sentence_store.get(texts)
    assert len(texts) > 3000 and set(found) == set(texts)  # fails until scripts/build_vectors.py is re-run
    sample = texts[:: len(texts) // 16][:16]
    embedder = assistant.components.embedder
    cosines = np.sum(np.stack([found[t] for t in sample]) * embedder.embed(sample), axis=1)
    assert cosines.min() >= 0.9999, cosines.min()

    embedded: list[str] = []
    for method in ("embed", "embed_query"):  # the collection's encoder and the questions' (the same model here)
        real = getattr(embedder, method)
        monkeypatch.setattr(embedder, method, lambda batch, real=real: embedded.extend(batch) or real(batch))
    answer = assistant.ask("Which papers erase concepts from text-to-image diffusion models?")
    assert len(answer.citations) >= 3
    assert embedded and not set(embedded) & set(texts), embedded  # the question (and its parts) only
    assert len(embedded) <= 4, embedded


def test_only_chunks_the_file_holds_take_its_vectors_and_a_file_of_another_model_is_ignored(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "papers.jsonl").write_text("".join(json.dumps(p) + "\n" for p in PAPERS))
    reference = Assistant(data_dir=tmp_path / "reference", ingest={"prebuilt_vectors": False})
    reference.ingest([folder])
    model_vectors = stored(reference)
    first, second = sorted(model_vectors, key=lambda t: "Sparse" not in t)
    name = reference.components.embedder.name
    # A marker vector for the first chunk only, so the test can tell where each stored vector came from.
    marker = np.zeros(len(model_vectors[first]), dtype=np.float32)
    marker[0] = 1.0
    write(vectors_path(folder, name), [first], marker[None, :], name, "shipped-test")

    assistant = Assistant(data_dir=tmp_path / "data")
    report = assistant.ingest([folder])
    vectors = stored(assistant)
    assert report.prebuilt_chunks == 1 and "(1 vectors from" in report.summary()
    assert np.allclose(vectors[first], marker)
    assert float(vectors[second] @ model_vectors[second]) >= 0.9999  # embedded by the model
    assert sorted(assistant.components.store.encoders()) == ["onnx-fp32", "shipped-test"]  # the default encoder embedded the rest

    write(vectors_path(folder, name), [first], marker[None, :], "some-other-model", "shipped-test")
    other = Assistant(data_dir=tmp_path / "other")
    assert other.ingest([folder]).prebuilt_chunks == 0
    assert float(stored(other)[first] @ model_vectors[first]) >= 0.9999
