"""Cycles are collected by a timer of the GUI thread, between events, not inside Qt's code."""

import gc
import weakref

from nnviz.charts.app import collect_garbage_between_events, make_app


class Node:
    pass


def test_the_app_collects_cycles_between_events(qtbot):
    make_app()
    collector = collect_garbage_between_events()
    assert collector is collect_garbage_between_events()  # one per process
    assert not gc.isenabled() and collector.timer.isActive()
    # A reference cycle is left to the timer: gone after the next collections, not at once.
    node = Node()
    node.me = node
    alive = weakref.ref(node)
    del node
    # Enough new objects to pass generation 0's bar: automatic collection would run now.
    kept = [Node() for _ in range(2 * gc.get_threshold()[0])]
    assert alive() is not None
    qtbot.waitUntil(lambda: alive() is None, timeout=10_000)  # the timer collected it
    assert len(kept) == 2 * gc.get_threshold()[0]
