"""BM25 over the chunks, with an index that ingest updates in place.

Why hand-written and not ``bm25s.BM25``: bm25s precomputes every document's score per
term, so adding one paper means re-indexing the whole corpus (minutes at 75k papers).
Here each ingest batch becomes one sparse term-frequency segment, document
frequencies are kept up to date as rows come and go, and BM25 is computed at query
time from the few posting lists a question touches. bm25s still does what it is good
at: tokenising, stopwords and stemming (see ``tokenizer.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp


@dataclass
class Segment:
    """Rows added by one batch: a (rows x terms) term-frequency matrix, column-major for fast term lookup."""

    tf: sp.csc_matrix
    chunk_ids: np.ndarray  # str, one per row


class TermIndex:
    """In-memory BM25 state: vocabulary, segments, live rows and document frequencies."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        self.segments: list[Segment] = []
        self.doclen = np.zeros(0, dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self.df = np.zeros(0, dtype=np.int64)
        self.row_of: dict[str, int] = {}
        self.row_paper = np.zeros(0, dtype=np.int32)
        self.papers: list[str] = []
        self.paper_index: dict[str, int] = {}
        self.live_length = 0.0

    @property
    def rows(self) -> int:
        return len(self.alive)

    @property
    def live(self) -> int:
        return len(self.row_of)

    def copy(self) -> TermIndex:
        """A copy a writer may change while readers go on scoring this one.

        Ingest through an assistant that is also answering (``rag serve``, threads) must not change
        the index a search is reading: a segment appended before its row lengths once made a
        concurrent score index past the end of ``doclen``. Writers change a copy and swap it in
        (:class:`rag.storage.bm25.store.BM25Store`). Segments are shared: none is changed in place.
        """
        new = TermIndex.__new__(TermIndex)
        new.vocab, new.terms, new.segments = dict(self.vocab), list(self.terms), list(self.segments)
        new.doclen, new.alive, new.df = self.doclen.copy(), self.alive.copy(), self.df.copy()
        new.row_of, new.row_paper = dict(self.row_of), self.row_paper.copy()
        new.papers, new.paper_index = list(self.papers), dict(self.paper_index)
        new.live_length = self.live_length
        return new

    def chunk_id(self, row: int) -> str:
        for seg in self.segments:
            if row < seg.tf.shape[0]:
                return str(seg.chunk_ids[row])
            row -= seg.tf.shape[0]
        raise IndexError(row)

    def _binary(self, seg: Segment) -> sp.csc_matrix:
        return sp.csc_matrix((np.ones_like(seg.tf.data), seg.tf.indices, seg.tf.indptr), shape=seg.tf.shape)

    def kill(self, chunk_ids: Sequence[str]) -> None:
        """Mark rows dead and take them out of the document frequencies."""
        rows = sorted(self.row_of.pop(cid) for cid in chunk_ids if cid in self.row_of)
        if not rows:
            return
        dead = np.zeros(self.rows, dtype=np.float32)
        dead[rows] = 1.0
        self.alive[rows] = False
        self.live_length -= float(self.doclen[rows].sum())
        start = 0
        for seg in self.segments:
            n = seg.tf.shape[0]
            part = dead[start : start + n]
            if part.any():
                counts = self._binary(seg).T @ part
                self.df[: len(counts)] -= np.rint(counts).astype(np.int64)
            start += n

    def add(self, chunk_ids: Sequence[str], paper_ids: Sequence[str], tokens: Sequence[list[str]]) -> Segment | None:
        """Append one segment of new rows (callers kill old versions of the same ids first)."""
        if not chunk_ids:
            return None
        cols: list[int] = []
        indptr = [0]
        for words in tokens:
            for word in words:
                tid = self.vocab.get(word)
                if tid is None:
                    tid = self.vocab[word] = len(self.terms)
                    self.terms.append(word)
                cols.append(tid)
            indptr.append(len(cols))
        data = np.ones(len(cols), dtype=np.float32)
        csr = sp.csr_matrix((data, np.asarray(cols, dtype=np.int32), np.asarray(indptr)), shape=(len(chunk_ids), len(self.terms)))
        csr.sum_duplicates()
        seg = Segment(csr.tocsc(), np.asarray(chunk_ids, dtype=object))
        self.append_segment(seg, paper_ids)
        return seg

    def append_segment(self, seg: Segment, paper_ids: Sequence[str], alive: np.ndarray | None = None) -> None:
        base = self.rows
        n = seg.tf.shape[0]
        alive = np.ones(n, dtype=bool) if alive is None else alive
        lengths = np.asarray(seg.tf.sum(axis=1)).ravel().astype(np.float32)
        pidx = np.empty(n, dtype=np.int32)
        for i, pid in enumerate(paper_ids):
            j = self.paper_index.get(pid)
            if j is None:
                j = self.paper_index[pid] = len(self.papers)
                self.papers.append(pid)
            pidx[i] = j
        for i, cid in enumerate(seg.chunk_ids):
            if alive[i]:
                self.row_of[str(cid)] = base + i
        self.segments.append(seg)
        self.doclen = np.concatenate([self.doclen, lengths])
        self.alive = np.concatenate([self.alive, alive])
        self.row_paper = np.concatenate([self.row_paper, pidx])
        self.live_length += float(lengths[alive].sum())
        if len(self.df) < len(self.terms):
            self.df = np.concatenate([self.df, np.zeros(len(self.terms) - len(self.df), dtype=np.int64)])
        binary = self._binary(seg)
        self.df[: binary.shape[1]] += np.diff(binary.indptr) if alive.all() else np.asarray(binary[alive].sum(axis=0)).ravel().astype(np.int64)

    def compact(self) -> None:
        """Merge all segments into one and drop dead rows (keeps queries to one matrix lookup)."""
        width = len(self.terms)
        mats, ids = [], []
        for seg in self.segments:
            tf = seg.tf
            if tf.shape[1] < width:
                tf = sp.csc_matrix((tf.data, tf.indices, np.concatenate([tf.indptr, np.full(width - tf.shape[1], tf.indptr[-1])])), shape=(tf.shape[0], width))
            mats.append(tf)
            ids.append(seg.chunk_ids)
        if not mats:
            return
        merged = sp.vstack(mats, format="csr")[self.alive].tocsc()
        chunk_ids = np.concatenate(ids)[self.alive]
        paper_ids = [self.papers[j] for j in self.row_paper[self.alive]]
        terms, vocab = self.terms, self.vocab
        self.__init__()
        self.terms, self.vocab = terms, vocab
        self.append_segment(Segment(merged, chunk_ids), paper_ids)

    def score(self, words: Sequence[str], k1: float, b: float, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 of every row for these (already tokenised) query words; dead or masked rows get 0."""
        scores = np.zeros(self.rows, dtype=np.float32)
        n = max(self.live, 1)
        avgdl = max(self.live_length / n, 1.0)
        tids = sorted({self.vocab[w] for w in words if w in self.vocab})
        for tid in tids:
            df = self.df[tid]
            if df <= 0:
                continue
            idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
            start = 0
            for seg in self.segments:
                rows_n = seg.tf.shape[0]
                if tid < seg.tf.shape[1]:
                    lo, hi = seg.tf.indptr[tid], seg.tf.indptr[tid + 1]
                    rows = seg.tf.indices[lo:hi] + start
                    tf = seg.tf.data[lo:hi]
                    norm = k1 * (1.0 - b + b * self.doclen[rows] / avgdl)
                    scores[rows] += idf * tf * (k1 + 1.0) / (tf + norm)
                start += rows_n
        scores[~self.alive] = 0.0
        if mask is not None:
            scores[~mask] = 0.0
        return scores
