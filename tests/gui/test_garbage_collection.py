"""Cycles are collected by a timer of the GUI thread, between events, not inside Qt's code."""

import gc

from PySide6.QtCore import QThread

from nnviz.charts.app import collect_garbage_between_events, make_app


def test_the_app_collects_cycles_from_a_gui_thread_timer(qtbot):
    app = make_app()
    collector = collect_garbage_between_events()
    assert collector is collect_garbage_between_events()  # one per process
    # No automatic collection (it would run at whatever allocation trips it, inside Qt code
    # too); the collector's timer lives in the GUI thread and ticks between events.
    assert not gc.isenabled()
    assert collector.timer.isActive() and collector.timer.interval() == 1000
    assert collector.timer.thread() is app.thread() is QThread.currentThread()
    ticks = []
    collector.timer.timeout.connect(lambda: ticks.append(gc.isenabled()))
    qtbot.waitUntil(lambda: len(ticks) >= 2, timeout=10_000)
    assert ticks[:2] == [False, False]
