"""Vectors shipped beside a folder of papers, so that a first ingest of that folder need not run the model.

A folder may hold ``.vectors/<model>.npz``: the SHA-1 digests of chunk texts, their vectors, and
the encoder that made them. The bundled sample ships one, which takes the model's ~40 s out of a
newcomer's first run on 2 cores (docs/BENCHMARKS.md, issue 14). A chunk takes its vector from the
file only when the model's name and the chunk's exact text match. Every other chunk is embedded as
usual, so a changed chunker, model or paper falls back to the model, never to a wrong vector.

Written by ``python scripts/build_vectors.py FOLDER`` (``build``): it ingests the folder into a
temporary store with the configured model and saves what the store holds.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

FOLDER = ".vectors"


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def vectors_path(folder: Path, model_name: str) -> Path:
    return folder / FOLDER / (re.sub(r"[^\w.-]+", "_", model_name) + ".npz")


class PrebuiltVectors:
    """Chunk text → its shipped vector, for the chunks of the folders being ingested."""

    def __init__(self, index: dict[str, np.ndarray], variant: str):
        self.index = index
        self.variant = variant

    @classmethod
    def beside(cls, files: Sequence[Path], model_name: str) -> PrebuiltVectors | None:
        """The shipped vectors of the files' folders for ``model_name``, or None when none ship any."""
        index: dict[str, np.ndarray] = {}
        variants: set[str] = set()
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
            except (OSError, KeyError, ValueError):
                continue  # a damaged or foreign file only means the model embeds these chunks
        return cls(index, "+".join(sorted(variants))) if index else None

    def lookup(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        return [self.index.get(digest(t)) for t in texts]


def write(path: Path, texts: Sequence[str], vectors: np.ndarray, model_name: str, variant: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, model=np.array(model_name), variant=np.array(variant),
                        digests=np.array([digest(t) for t in texts]), vectors=np.asarray(vectors, dtype=np.float32))


def build(folder: Path) -> tuple[Path, int]:
    """Write ``folder``'s shipped vectors with the configured model: (the file, how many chunks it holds)."""
    from rag.assistant import Assistant

    with tempfile.TemporaryDirectory() as data_dir:
        assistant = Assistant(data_dir=data_dir, ingest={"prebuilt_vectors": False})
        assistant.ingest([folder])
        store, embedder = assistant.components.store, assistant.components.embedder
        held = store.get(include=("documents", "embeddings"))
        target = vectors_path(folder, embedder.name)
        write(target, held["documents"], np.asarray(held["embeddings"]), embedder.name, embedder.variant)
        return target, len(held["documents"])
