"""Vectors shipped beside a folder of papers, so that a first ingest of that folder need not run the model.

A folder may hold ``.vectors/<model>.npz``: the SHA-1 digests of chunk texts, their vectors, and
the encoder that made them; and, optionally, the digests and float16 vectors of the papers' titles
and abstract sentences, which seed the data dir's sentence store (rag.storage.sentences) so that
the first answers need not embed them either. The bundled sample ships one, which takes the model's ~40 s out of a
newcomer's first run on 2 cores (docs/BENCHMARKS.md, issue 14). A chunk takes its vector from the
file only when the model's name and the chunk's exact text match. Every other chunk is embedded as
usual, so a changed chunker, model or paper falls back to the model, never to a wrong vector.

Written by ``python scripts/build_vectors.py FOLDER`` (``build``): it ingests the folder into a
temporary store with the configured model and saves what the store holds.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.storage.sentences import text_digest
from rag.text.sentences import paper_sentences

FOLDER = ".vectors"


def vectors_path(folder: Path, model_name: str) -> Path:
    return folder / FOLDER / (re.sub(r"[^\w.-]+", "_", model_name) + ".npz")


class PrebuiltVectors:
    """Chunk text → its shipped vector, for the chunks of the folders being ingested."""

    def __init__(self, index: dict[str, np.ndarray], variant: str, sentence_digests: Sequence[str] = (),
                 sentence_vectors: np.ndarray | None = None):
        self.index = index
        self.variant = variant
        self.sentence_digests = list(sentence_digests)
        self.sentence_vectors = sentence_vectors if sentence_vectors is not None else np.zeros((0, 0), dtype=np.float16)

    @classmethod
    def beside(cls, files: Sequence[Path], model_name: str) -> PrebuiltVectors | None:
        """The shipped vectors of the files' folders for ``model_name``, or None when none ship any."""
        index: dict[str, np.ndarray] = {}
        variants: set[str] = set()
        sentence_digests: list[str] = []
        sentence_vectors: list[np.ndarray] = []
        for folder in sorted({Path(f).parent for f in files}):
            path = vectors_path(folder, model_name)
            if not path.is_file():
                continue
            try:
                with np.load(path, allow_pickle=False) as data:
                    if str(data["model"]) != model_name:
                        continue
                    index.update(zip((str(d) for d in data["digests"]), data["vectors"].astype(np.float32)))
                    variants.add(str(data["variant"]))
                    if "sentence_digests" in data:
                        sentence_digests.extend(str(d) for d in data["sentence_digests"])
                        sentence_vectors.append(data["sentence_vectors"])
            except (OSError, KeyError, ValueError):
                continue  # a damaged or foreign file only means the model embeds these chunks
        if not index:
            return None
        return cls(index, "+".join(sorted(variants)), sentence_digests,
                   np.concatenate(sentence_vectors) if sentence_vectors else None)

    def lookup(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        return [self.index.get(text_digest(t)) for t in texts]


def write(path: Path, texts: Sequence[str], vectors: np.ndarray, model_name: str, variant: str,
          sentences: Sequence[str] = (), sentence_vectors: np.ndarray | None = None) -> None:
    """Save chunk vectors (float32) and, when given, title and sentence vectors (float16, as the sentence store keeps them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = {}
    if len(sentences):
        extra = {"sentence_digests": np.array([text_digest(t) for t in sentences]),
                 "sentence_vectors": np.asarray(sentence_vectors, dtype=np.float16)}
    np.savez_compressed(path, model=np.array(model_name), variant=np.array(variant),
                        digests=np.array([text_digest(t) for t in texts]), vectors=np.asarray(vectors, dtype=np.float32), **extra)


def build(folder: Path) -> tuple[Path, int]:
    """Write ``folder``'s shipped vectors with the configured model: (the file, how many chunks it holds)."""
    from rag.assistant import Assistant

    with tempfile.TemporaryDirectory() as data_dir:
        assistant = Assistant(data_dir=data_dir, ingest={"prebuilt_vectors": False})
        assistant.ingest([folder])
        store, embedder = assistant.components.store, assistant.components.embedder
        held = store.get(include=("documents", "embeddings"))
        texts = list(dict.fromkeys(t for paper in assistant.components.catalog.iter_papers()
                                   for t in [paper.title, *paper_sentences(paper.title, paper.abstract)]))
        target = vectors_path(folder, embedder.name)
        write(target, held["documents"], np.asarray(held["embeddings"]), embedder.name, embedder.variant,
              texts, embedder.embed(texts))
        return target, len(held["documents"])
