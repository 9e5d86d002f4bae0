"""Three stages over one stream, overlapped: while item n is in the middle stage, item n+1 is
being produced and item n-1 is being finished.

Ingest uses it so that parsing and chunking (batch n+1) and the Chroma/BM25/catalog writes
(batch n-1) run while batch n is inside the embedding model, which releases the GIL. On two
cores the transformer keeps both busy most of the time, and the rest of the pipeline then fills
the moments it does not (tokenising, Python-side writes, fsync waits) instead of adding to them.

The queues are bounded (``depth`` items each), so memory stays at a few batches. Items reach
the last stage in order, one at a time, from one thread: a batch's writes keep the order the
crash-safety argument of :mod:`rag.ingest.pipeline` rests on, and a batch is never written
before the one produced ahead of it. Hand-written rather than concurrent.futures because an
executor neither bounds its queue nor stops a producer when a later stage fails.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Generic, Iterable, TypeVar

T = TypeVar("T")
U = TypeVar("U")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


class OverlappedStages(Generic[T, U]):
    """``produce`` (an iterable, pulled in a thread) → ``transform`` (this thread) → ``finish`` (a thread).

    >>> out = []
    >>> OverlappedStages(range(5), lambda x: x * 10, out.append).drain()
    >>> out
    [0, 10, 20, 30, 40]

    An error in any stage stops the others and is raised here, after the last stage has
    finished the items it already had (so a batch is never half-written on the way out).
    """

    def __init__(self, produce: Iterable[T], transform: Callable[[T], U], finish: Callable[[U], None], depth: int = 1):
        self.produce = produce
        self.transform = transform
        self.finish = finish
        self._inbox: queue.Queue = queue.Queue(maxsize=depth)
        self._outbox: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._finish_error: BaseException | None = None

    def drain(self) -> None:
        producer = threading.Thread(target=self._produce, name="ingest-read", daemon=True)
        finisher = threading.Thread(target=self._finish, name="ingest-write", daemon=True)
        producer.start()
        finisher.start()
        try:
            while True:
                item = self._get(self._inbox)
                if item is _DONE:
                    break
                if isinstance(item, _Failed):
                    raise item.error
                result = self.transform(item)
                if not self._put(self._outbox, result):
                    break  # the last stage failed; its error is raised below
        finally:
            # Stop the producer first (it may be blocked on a full inbox), then let the last
            # stage finish what it holds and end.
            self._stop.set()
            while producer.is_alive():
                self._discard(self._inbox)
                producer.join(timeout=0.05)
            self._outbox.put(_DONE)
            finisher.join()
        if self._finish_error is not None:
            raise self._finish_error

    def _produce(self) -> None:
        try:
            for item in self.produce:
                if not self._put(self._inbox, item):
                    return
            self._put(self._inbox, _DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the consuming thread, which raises it
            self._put(self._inbox, _Failed(error))

    def _finish(self) -> None:
        while True:
            item = self._outbox.get()
            if item is _DONE:
                return
            if self._finish_error is not None:
                continue  # after a failure, drop what is left: later batches must not land before it
            try:
                self.finish(item)
            except BaseException as error:  # noqa: BLE001 - raised by drain() in the calling thread
                self._finish_error = error
                self._stop.set()

    def _put(self, box: queue.Queue, item) -> bool:
        """Blocks while ``box`` is full; False when the run is being stopped."""
        while not self._stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _get(self, box: queue.Queue):
        while True:
            try:
                return box.get(timeout=0.1)
            except queue.Empty:
                if self._finish_error is not None:
                    return _DONE

    @staticmethod
    def _discard(box: queue.Queue) -> None:
        try:
            while True:
                box.get_nowait()
        except queue.Empty:
            pass
