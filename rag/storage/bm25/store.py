"""The BM25 index on disk, next to the Chroma store, and its ingest hook.

Layout of ``DATA_DIR/bm25/``: one ``seg-G.npz`` per ingest batch (term frequencies and
chunk ids of the rows that batch added), ``vocab-G.txt`` (append-only, one term a line),
``state-G.npz`` (which rows are alive, document frequencies) and ``manifest.json``,
which names the files of the current generation G. The manifest is replaced
atomically and last, so a crash leaves the previous generation intact; ingest then
redoes the batch (it commits the catalog after us) and the redo is idempotent.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from rag.ingest.lock import DataDirLock
from rag.settings import RetrievalSettings
from rag.storage.atomic import write_atomic
from rag.storage.bm25.index import Segment, TermIndex
from rag.storage.bm25.tokenizer import BM25Tokenizer
from rag.storage.vectors import ChromaStore
from rag.types import Chunk, ChunkId, ChunkMatch

_FORMAT = 1


_KIND_SUFFIX = re.compile(r"(\w)-(?:style|like|esque|type|inspired)\b", re.I)
_MIN_PART = 3  # shortest half of a split compound: "page" + "rank"; shorter halves split words at random


class BM25Store:
    """Loads, updates, persists and (when missing or stale) rebuilds the BM25 index.

    ``store`` is the Chroma store the index mirrors; its chunk count is the freshness check.
    ``lock`` is the data dir's writer lock: only its holder may write the index files.
    """

    def __init__(self, settings: RetrievalSettings, directory: Path, store: ChromaStore, lock: DataDirLock):
        self.settings = settings
        self.dir = directory
        self.store = store
        self.lock = lock
        self.tokenizer = BM25Tokenizer()
        self.index: TermIndex | None = None
        self.generation = 0
        self.rebuilds = 0
        self._seg_files: list[str] = []
        self._vocab_file = ""

    # -- reading -------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.dir / "manifest.json"

    def _load(self) -> bool:
        try:
            manifest = json.loads(self.manifest_path.read_text())
            if manifest.get("format") != _FORMAT:
                return False
            with open(self.dir / manifest["vocab"], encoding="utf-8") as fh:
                terms = fh.read().split("\n")[: manifest["vocab_size"]]
            state = np.load(self.dir / manifest["state"])
            index = TermIndex()
            index.terms = terms
            index.vocab = {t: i for i, t in enumerate(terms)}
            alive, start = state["alive"], 0
            for name in manifest["segments"]:
                with np.load(self.dir / name, allow_pickle=False) as z:
                    tf = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
                    ids = z["chunk_ids"].astype(object)
                n = tf.shape[0]
                index.append_segment(Segment(tf, ids), [ChunkId.paper(c) for c in ids], alive[start : start + n].copy())
                start += n
            if not np.array_equal(index.df[: len(state["df"])], state["df"]):
                return False
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return False
        self.index, self.generation, self._seg_files = index, manifest["generation"], list(manifest["segments"])
        self._vocab_file = manifest["vocab"]
        return True

    def fresh_index(self) -> TermIndex:
        """The index, loaded on first use and rebuilt if missing or behind the store.

        It is not re-read when another process writes a new generation: that would let BM25
        return chunks this process's Chroma view does not hold yet. The owner of this object
        replaces it, with the Chroma view, when the collection's state stamp moves
        (rag.storage.state, rag.components).
        """
        if self.index is None:
            loaded = self._load()
            if not loaded or self.index.live != self.store.count():
                with self.lock.try_hold() as owner:
                    if owner:
                        self.rebuild()
                    elif not loaded:
                        self.rebuild(persist=False)
                    # else: an ingest is writing right now and will bring the index up to date;
                    # until then the last complete generation answers.
        return self.index

    def query_terms(self, text: str, joins: bool = True) -> list[str]:
        """``text``'s BM25 terms, with compounds written the collection's way.

        "PageRank" where the abstracts write "Page Rank", "data set" where they write "dataset": a term
        no chunk holds is split in two terms that chunks hold (the split whose rarer half is most
        common), and, with ``joins``, two adjacent terms whose join a chunk holds gain the joined term
        (for search, where it only adds score; not for coverage, where a paper writing "super-resolution"
        would miss the "superresolution" the question never wrote). A plain word the collection lacks
        ("protein") has no such split and stays, so it still marks a question the collection may not
        answer. "PageRank-style", "transformer-like": the suffix says "of this kind" and is dropped.

        >>> store.query_terms("Which papers use PageRank?")    # doctest: +SKIP
        ['paper', 'use', 'page', 'rank']
        """
        index = self.fresh_index()
        text = _KIND_SUFFIX.sub(r"\1", text)

        def known(term: str) -> bool:
            tid = index.vocab.get(term)
            return tid is not None and tid < len(index.df) and index.df[tid] > 0

        terms = self.tokenizer.tokenize([text])[0]
        out: list[str] = []
        for term in terms:
            splits = [(term[:i], term[i:]) for i in range(_MIN_PART, len(term) - _MIN_PART + 1)] if not known(term) else []
            splits = [pair for pair in splits if known(pair[0]) and known(pair[1])]
            if splits:
                out += max(splits, key=lambda pair: min(index.df[index.vocab[pair[0]]], index.df[index.vocab[pair[1]]]))
            else:
                out.append(term)
        joined = [a + b for a, b in zip(terms, terms[1:]) if known(a + b)] if joins else []
        return out + [t for t in joined if t not in out]

    def term_weights(self, text: str) -> dict[str, float]:
        """The stemmed terms of ``text`` with their BM25 IDF in this collection.

        A term no chunk contains gets the highest possible IDF: a question word the collection
        has never seen is the strongest sign that it does not answer the question.
        """
        index = self.fresh_index()
        n = max(index.live, 1)
        out: dict[str, float] = {}
        # Python's float64 log here, as in TermIndex.score, so an unseen term's weight equals unseen_weight() exactly.
        for term in self.query_terms(text, joins=False):
            tid = index.vocab.get(term)
            df = int(index.df[tid]) if tid is not None and tid < len(index.df) else 0
            out[term] = float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
        return out

    def unseen_weight(self) -> float:
        """The IDF :meth:`term_weights` gives a term that no chunk contains."""
        n = max(self.fresh_index().live, 1)
        return float(np.log(1.0 + (n + 0.5) / 0.5))

    def search(self, question: str, n: int, paper_ids: set[str] | None = None) -> list[ChunkMatch]:
        """The ``n`` best chunks by BM25 for ``question``, best first; ``paper_ids`` limits them to those papers."""
        index = self.fresh_index()
        mask = None
        if paper_ids is not None:
            allowed = np.zeros(len(index.papers) + 1, dtype=bool)
            allowed[[index.paper_index[p] for p in paper_ids if p in index.paper_index]] = True
            mask = allowed[index.row_paper]
        words = self.query_terms(question)
        scores = index.score(words, self.settings.bm25_k1, self.settings.bm25_b, mask)
        n = min(n, int(np.count_nonzero(scores)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        found: dict[str, float] = {}
        for row in top:
            found[index.chunk_id(int(row))] = float(scores[row])
        return [ChunkMatch(cid, ChunkId.paper(cid), score) for cid, score in found.items()]

    # -- writing -------------------------------------------------------------------

    def apply(self, upserted: Sequence[Chunk], deleted_ids: Sequence[str]) -> None:
        """ChunkListener hook: mirror one ingest batch, then persist a new generation."""
        if self.index is None and not self._load():
            self.rebuild()  # Chroma already holds this batch, so the rebuild includes it
            return
        changed = bool(upserted or deleted_ids)  # a re-ingest of unchanged files changes nothing
        # Copy on write: searches running in other threads keep the index they started with, and
        # see the new one whole, by one reference swap, once it is complete (and compacted, if due).
        index = self.index.copy() if changed else self.index
        self._apply(index, [c.chunk_id for c in upserted], [c.paper_id for c in upserted], [c.text for c in upserted], deleted_ids)
        if index.live != self.store.count():
            self.rebuild()  # the index had missed earlier writes (e.g. an ingest that ran without it)
            return
        if not changed:
            return
        compacted = len(index.segments) > self.settings.bm25_max_segments
        if compacted:
            index.compact()
        self.index = index
        self._save(new_segment=bool(upserted), rewrite_all=compacted)

    def _apply(self, index: TermIndex, ids, paper_ids, texts, deleted_ids) -> None:
        index.kill(list(ids) + list(deleted_ids))
        index.add(ids, paper_ids, self.tokenizer.tokenize(texts))

    def rebuild(self, persist: bool = True) -> None:
        """Re-read every chunk from Chroma (paged, so memory stays bounded) into one new segment."""
        index = TermIndex()
        for ids, documents in self.store.iter_documents():
            self._apply(index, ids, [ChunkId.paper(c) for c in ids], documents, [])
        index.compact()
        self.index = index
        self.rebuilds += 1
        if persist:
            self._save(new_segment=True, rewrite_all=True)

    def _save(self, new_segment: bool, rewrite_all: bool = False) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        index = self.index
        generation = self.generation + 1
        if rewrite_all:
            self._seg_files = []
            for i, seg in enumerate(index.segments):
                self._seg_files.append(self._write_segment(seg, f"seg-{generation}-{i}.npz"))
            self._vocab_file = f"vocab-{generation}.txt"
            self._atomic(self._vocab_file, lambda fh: fh.write("\n".join(index.terms).encode("utf-8")))
        else:
            if new_segment:
                self._seg_files.append(self._write_segment(index.segments[-1], f"seg-{generation}.npz"))
            self._append_vocab(index.terms, self._stored_vocab_size())
        state = f"state-{generation}.npz"
        self._atomic(state, lambda fh: np.savez(fh, alive=index.alive, df=index.df))
        manifest = {"format": _FORMAT, "generation": generation, "segments": self._seg_files, "state": state,
                    "vocab": self._vocab_file, "vocab_size": len(index.terms), "live_chunks": index.live}
        self._atomic("manifest.json", lambda fh: fh.write(json.dumps(manifest).encode()))
        self.generation = generation
        keep = set(self._seg_files) | {state, "manifest.json", self._vocab_file}
        for path in self.dir.iterdir():
            if path.name not in keep and not path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)

    def _stored_vocab_size(self) -> int:
        try:
            return json.loads(self.manifest_path.read_text())["vocab_size"]
        except (OSError, ValueError, KeyError):
            return 0

    def _append_vocab(self, terms: list[str], stored: int) -> None:
        # Appending only the new terms keeps a batch's write small; anything past the
        # manifest's vocab_size is a leftover of a crashed batch and is cut off first.
        path = self.dir / self._vocab_file
        with open(path, "r+b") as fh:
            lines = fh.read().split(b"\n")[:stored]
            fh.seek(0)
            head = b"\n".join(lines)
            fh.truncate(len(head))
            fh.seek(len(head))
            new = terms[stored:]
            if new:
                fh.write((b"\n" if head else b"") + "\n".join(new).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())

    def _write_segment(self, seg: Segment, name: str) -> str:
        tf = seg.tf
        self._atomic(name, lambda fh: np.savez(fh, data=tf.data, indices=tf.indices, indptr=tf.indptr,
                                               shape=np.asarray(tf.shape), chunk_ids=seg.chunk_ids.astype(str)))
        return name

    def _atomic(self, name: str, write) -> None:
        write_atomic(self.dir / name, write)
