"""The overlapped stages ingest runs on: order kept, bounded, and failures stop everything cleanly."""

from __future__ import annotations

import threading
import time

import pytest

from rag.ingest.overlap import OverlappedStages


def test_items_reach_the_last_stage_in_order_and_the_stages_overlap():
    seen_threads, finished = set(), []

    def slow_middle(x):
        seen_threads.add(threading.current_thread().name)
        time.sleep(0.01)
        return x

    def finish(x):
        seen_threads.add(threading.current_thread().name)
        finished.append(x)

    OverlappedStages(iter(range(50)), slow_middle, finish).drain()
    assert finished == list(range(50))
    assert len(seen_threads) == 2, "the last stage runs in a thread of its own"


def test_the_producer_is_never_more_than_a_few_items_ahead():
    produced, transformed = [], []

    def produce():
        for i in range(20):
            produced.append(i)
            yield i

    def middle(x):
        time.sleep(0.005)
        # inbox (1) + the item the producer holds (1) + this one: never further ahead than that.
        assert len(produced) - len(transformed) <= 3
        transformed.append(x)
        return x

    OverlappedStages(produce(), middle, lambda x: None, depth=1).drain()
    assert transformed == list(range(20))


def test_a_producer_error_is_raised_after_earlier_items_are_finished():
    finished = []

    def produce():
        yield 1
        yield 2
        raise ValueError("bad file")

    with pytest.raises(ValueError, match="bad file"):
        OverlappedStages(produce(), lambda x: x, finished.append).drain()
    assert finished == [1, 2]


def test_a_last_stage_error_stops_the_run_and_nothing_later_lands():
    finished = []

    def finish(x):
        if x == 3:
            raise OSError("disk full")
        finished.append(x)

    with pytest.raises(OSError, match="disk full"):
        OverlappedStages(iter(range(100)), lambda x: x, finish).drain()
    assert finished == [0, 1, 2]


def test_a_middle_stage_error_stops_the_producer():
    produced = []

    def produce():
        for i in range(1000):
            produced.append(i)
            yield i

    def middle(x):
        if x == 2:
            raise RuntimeError("model server unreachable")
        return x

    with pytest.raises(RuntimeError, match="unreachable"):
        OverlappedStages(produce(), middle, lambda x: None).drain()
    assert len(produced) < 10
