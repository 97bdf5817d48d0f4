"""Training throughput with the window open against headless, view redraw rate, the
longest GUI event-loop stall and where each frame goes, for the default preset on the real
MNIST.

All five docks are visible (the Data dock is split out of its tab); with ``--every-window``
the Draw and step window (a test image on its pad) and the analysis views too. A 10 ms heartbeat
timer measures the longest gap between its ticks: the worst freeze a user would feel. The
redraw rate is the slowest of the live views' (curves, weights, activations) draws per
second. Per view, the window's frame scheduler times each draw (``setData`` and the like),
and each paint of the view's charts is timed too (pyqtgraph's ``GraphicsView.paintEvent``,
where the items render): median and worst, over the training only.
Headless and windowed runs alternate ``--rounds`` times; medians are printed.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--steps 1500] [--rounds 2]
        [--every-window]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_window import (  # noqa: E402
    close_window,
    open_window,
    run_until,
    show_every_view,
    wait_for_first_draw,
)
from shared_data import datasets_dir  # noqa: E402

from nnviz.datasets import load_dataset  # noqa: E402
from nnviz.engine.presets import get_preset  # noqa: E402
from nnviz.engine.training import Trainer, make_network  # noqa: E402


def headless(data, config, steps: int) -> float:
    """Samples per second of the bare Trainer (wall clock, epoch-end evaluations included)."""
    trainer = Trainer(make_network(config, data.n_features, data.n_classes), data, config)
    t = time.perf_counter()
    trainer.run(max_steps=steps)
    return trainer.samples_seen / (time.perf_counter() - t)


LIVE = ("curves", "weights", "activations")  # the views that follow every snapshot


class PaintTimer:
    """Times every paint of a pyqtgraph view inside ``views`` (by name) while installed."""

    def __init__(self, views: dict):
        import pyqtgraph as pg
        self.views, self.times = views, defaultdict(list)
        self._owner: dict[int, str] = {}
        self._class, self._original = pg.GraphicsView, pg.GraphicsView.paintEvent
        timer = self

        def paint_event(view, event):
            t = time.perf_counter()
            timer._original(view, event)
            timer.times[timer.owner(view)].append(time.perf_counter() - t)
        self._class.paintEvent = paint_event

    def owner(self, widget) -> str:
        key = id(widget)
        if key not in self._owner:
            self._owner[key] = "other"
            parent = widget
            while parent is not None and self._owner[key] == "other":
                self._owner[key] = next((n for n, v in self.views.items() if v is parent), "other")
                parent = parent.parentWidget()
        return self._owner[key]

    def remove(self) -> None:
        self._class.paintEvent = self._original


def windowed(app, data, config, steps: int, data_dir, every_window: bool = False) -> dict:
    """Throughput, redraws per second, the longest stall and each view's draw and paint
    times with every view showing."""
    from PySide6.QtCore import QTimer
    w = open_window(data, config, data_dir)
    paints = PaintTimer(w.views)  # before the first paint: PySide looks the method up once
    extra = show_every_view(w) if every_window else []
    gaps, last = [0.0], [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        gaps[0] = max(gaps[0], now - last[0])
        last[0] = now
    heart = QTimer(interval=10, timeout=beat)
    heart.start()
    # The new network is built and drawn first (the views create their items once): that
    # start-up stall is reported apart from the stalls during training.
    wait_for_first_draw(app, w)
    startup = gaps[0]
    slots = w.frames.slots
    for slot in slots.values():  # from here on: the training only
        slot.times.clear()
    counts = {name: slot.count for name, slot in slots.items()}
    paints.times.clear()
    gaps[0], last[0] = 0.0, time.perf_counter()
    t, cpu = time.perf_counter(), time.process_time()
    w.training.train()
    run_until(lambda: w.model.latest is not None and w.model.latest.step >= steps)
    elapsed = time.perf_counter() - t
    gui_cpu = (time.process_time() - cpu) / elapsed
    samples = w.model.latest.samples_seen
    heart.stop()
    paints.remove()
    hz = {name: (slot.count - counts[name]) / elapsed for name, slot in slots.items()}
    draw_times = {name: list(slot.times) for name, slot in slots.items()}
    for window in extra:
        window.close()
    close_window(w)
    return {"rate": samples / elapsed, "hz": min(hz[n] for n in LIVE), "stall_ms": 1e3 * gaps[0],
            "gui_cpu": gui_cpu, "startup_ms": 1e3 * startup, "view_hz": hz,
            "draw": draw_times, "paint": dict(paints.times),
            "paint_hz": {name: len(t) / elapsed for name, t in paints.times.items()}}


def print_frame_table(rounds: list[dict]) -> None:
    """Per view: draws and paints per second, and its draw and paint times (median, worst)
    over every round."""
    print(f"{'view':12s}{'draws/s':>8s}{'paints/s':>9s}   draw median/worst   paint median/worst"
          "  (ms)")
    names = list(rounds[0]["view_hz"])
    for name in names:
        hz = statistics.median(r["view_hz"][name] for r in rounds)
        paint_hz = statistics.median(r["paint_hz"].get(name, 0.0) for r in rounds)
        row = f"{name:12s}{hz:8.1f}{paint_hz:9.1f}"
        for kind in ("draw", "paint"):
            times = [1e3 * x for r in rounds for x in r[kind].get(name, [])]
            row += (f"   {statistics.median(times):7.1f} {max(times):7.1f}   " if times
                    else f"   {'—':>7s} {'—':>7s}   ")
        print(row)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--data-dir", type=Path, default=datasets_dir())
    ap.add_argument("--every-window", action="store_true",
                    help="show the Draw and step and the analysis views too")
    args = ap.parse_args(argv)
    from nnviz.charts.app import make_app
    app = make_app()
    data = load_dataset("mnist", args.data_dir)
    config = get_preset("default").config.replace(epochs=1000)
    head, win = [], []
    for _ in range(args.rounds):
        head.append(headless(data, config, args.steps))
        win.append(windowed(app, data, config, args.steps, args.data_dir, args.every_window))
    h = statistics.median(head)
    rate = statistics.median(r["rate"] for r in win)
    print(f"headless  {h:,.0f} samples/s")
    print(f"window    {rate:,.0f} samples/s  ({100 * rate / h:.0f}% of headless; target ≥ 85%)")
    print(f"redraws   {statistics.median(r['hz'] for r in win):.1f} Hz, the slowest live view "
          "(target ≥ 20)")
    stall, startup = max(r["stall_ms"] for r in win), max(r["startup_ms"] for r in win)
    print(f"stall     {stall:.0f} ms longest event-loop gap (target < 33: two frames at 60 Hz)")
    print(f"start-up  {startup:.0f} ms longest gap while a new network is first drawn")
    gui_cpu = statistics.median(r["gui_cpu"] for r in win)
    print(f"GUI process CPU {gui_cpu:.2f} cores while training")
    print_frame_table(win)


if __name__ == "__main__":
    main()
