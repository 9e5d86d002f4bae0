"""The data dir's sentence vectors (rag.storage.sentences): a cache shared across processes, never a source of wrong vectors."""

from __future__ import annotations

import logging
import threading

import numpy as np

from rag.storage.sentences import SentenceVectorStore, text_digest


def unit_vectors(n: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_vectors_put_by_one_store_are_read_by_another_on_the_same_file_as_float16_close_to_the_original(tmp_path):
    texts = [f"Sentence number {i} of an abstract." for i in range(700)]  # more than one 500-digest query
    vectors = unit_vectors(len(texts))
    SentenceVectorStore(tmp_path / "s.sqlite", "model-a").put(texts, vectors)
    again = SentenceVectorStore(tmp_path / "s.sqlite", "model-a")  # as another process would open it
    found = again.get([*texts, "never stored"])
    assert set(found) == set(texts) and again.count() == len(texts)
    cosines = np.sum(np.stack([found[t] for t in texts]) * vectors, axis=1)
    assert cosines.min() >= 0.9999, cosines.min()
    assert found[texts[0]].dtype == np.float32


def test_a_text_keeps_its_first_vector_and_another_model_never_sees_it(tmp_path):
    store = SentenceVectorStore(tmp_path / "s.sqlite", "model-a")
    first, second = unit_vectors(2)
    store.put(["Same text."], first[None, :])
    store.put(["Same text."], second[None, :])
    assert float(store.get(["Same text."])["Same text."] @ first) > 0.9999
    other = SentenceVectorStore(tmp_path / "s.sqlite", "model-b")
    assert other.get(["Same text."]) == {} and other.count() == 0
    other.put_digests([text_digest("Same text.")], second[None, :])
    assert float(other.get(["Same text."])["Same text."] @ second) > 0.9999


def test_an_unreadable_file_only_means_nothing_is_stored(tmp_path, caplog):
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not a database " * 100)
    store = SentenceVectorStore(path, "model-a")
    with caplog.at_level(logging.WARNING):
        store.put(["A sentence."], unit_vectors(1))
        assert store.get(["A sentence."]) == {}
    assert "unusable" in caplog.text
    assert path.read_bytes().startswith(b"this is not a database")  # left as it was, not overwritten


def test_threads_sharing_one_store_each_read_back_what_they_wrote(tmp_path):
    store = SentenceVectorStore(tmp_path / "s.sqlite", "model-a")
    errors: list[str] = []

    def work(worker: int) -> None:
        texts = [f"worker {worker} sentence {i}" for i in range(50)]
        vectors = unit_vectors(len(texts), seed=worker)
        for start in range(0, 50, 10):
            store.put(texts[start:start + 10], vectors[start:start + 10])
            found = store.get(texts[: start + 10])
            if len(found) != start + 10:
                errors.append(f"worker {worker} read {len(found)} of {start + 10}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and store.count() == 200
