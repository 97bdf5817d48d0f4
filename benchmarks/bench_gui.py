"""Training throughput with the window open against headless, view redraw rate, and the
longest GUI event-loop stall, for the default preset on the real MNIST.

All five views are visible (the Data dock is split out of its tab). A 10 ms heartbeat
timer measures the longest gap between its ticks: the worst freeze a user would feel.
Headless and windowed runs alternate ``--rounds`` times; medians are printed.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--steps 1500] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_window import close_window, open_window, run_until, wait_for_first_draw  # noqa: E402
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


def windowed(app, data, config, steps: int, data_dir) -> dict:
    """Throughput, redraws per second and the longest stall with every view showing."""
    from PySide6.QtCore import QTimer
    w = open_window(data, config, data_dir)
    draws, gaps, last = [0], [0.0], [time.perf_counter()]
    original = w.refresh_views

    def counting_refresh():  # a redraw: the model handed the views a snapshot they had not had
        before = w.model.shown
        original()
        draws[0] += w.model.shown is not before
    w._timer.timeout.disconnect()
    w._timer.timeout.connect(counting_refresh)

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
    gaps[0], last[0] = 0.0, time.perf_counter()
    t, cpu = time.perf_counter(), time.process_time()
    w.training.train()
    run_until(lambda: w.model.latest is not None and w.model.latest.step >= steps)
    elapsed = time.perf_counter() - t
    gui_cpu = (time.process_time() - cpu) / elapsed
    samples = w.model.latest.samples_seen
    heart.stop()
    close_window(w)
    return {"rate": samples / elapsed, "hz": draws[0] / elapsed, "stall_ms": 1e3 * gaps[0],
            "gui_cpu": gui_cpu, "startup_ms": 1e3 * startup}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--data-dir", type=Path, default=datasets_dir())
    args = ap.parse_args(argv)
    from nnviz.charts.app import make_app
    app = make_app()
    data = load_dataset("mnist", args.data_dir)
    config = get_preset("default").config.replace(epochs=1000)
    head, win = [], []
    for _ in range(args.rounds):
        head.append(headless(data, config, args.steps))
        win.append(windowed(app, data, config, args.steps, args.data_dir))
    h = statistics.median(head)
    rate = statistics.median(r["rate"] for r in win)
    print(f"headless  {h:,.0f} samples/s")
    print(f"window    {rate:,.0f} samples/s  ({100 * rate / h:.0f}% of headless; target ≥ 80%)")
    print(f"redraws   {statistics.median(r['hz'] for r in win):.1f} Hz (target ≥ 20)")
    stall, startup = max(r["stall_ms"] for r in win), max(r["startup_ms"] for r in win)
    print(f"stall     {stall:.0f} ms longest event-loop gap (target < 100)")
    print(f"start-up  {startup:.0f} ms longest gap while a new network is first drawn")
    gui_cpu = statistics.median(r["gui_cpu"] for r in win)
    print(f"GUI process CPU {gui_cpu:.2f} cores while training")


if __name__ == "__main__":
    main()
