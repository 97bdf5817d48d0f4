"""What single operations cost, timed here rather than in the tests (on a shared machine a
timed assertion fails for reasons of its own).

- ``activations``: ActivationsView.show_snapshot of a 784-256-128-10 snapshot, median of
  ``--repeats`` (target < 5 ms; 0.7 ms measured).
- ``histogram``: the Data view's pixel_histogram of the training images, best of 3 (target
  < 250 ms on MNIST; 70 ms idle, where np.bincount of every pixel takes ~350 ms).
- ``evaluation``: Evaluation.compute of ``--n`` images through 784-256-128-10 (target < 0.6 s
  for 10,000).
- ``close``: closing the window while it trains, until the training process has ended
  (target < 1 s).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_costs.py [--repeats 30] [--n 10000]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_window import close_window, open_window, run_until  # noqa: E402
from shared_data import datasets_dir  # noqa: E402

from nnviz.analysis.evaluation import Evaluation  # noqa: E402
from nnviz.datasets import load_dataset  # noqa: E402
from nnviz.engine.config import TrainConfig  # noqa: E402
from nnviz.engine.network import MLP  # noqa: E402
from nnviz.engine.snapshot import CurveBuffer, frozen, take_snapshot  # noqa: E402
from nnviz.engine.training import Trainer, make_network  # noqa: E402

CONFIG = TrainConfig(hidden=(256, 128), batch_size=32, epochs=100, seed=0)


def snapshot_after(data, steps: int):
    """A real snapshot of CONFIG's network after ``steps`` batches, as the training process
    takes them."""
    trainer = Trainer(make_network(CONFIG, data.n_features, data.n_classes), data, CONFIG)
    initial = tuple(frozen(L.W) for L in trainer.net.layers)
    curves = CurveBuffer(len(trainer.net.layers))
    for _ in range(steps):
        r = trainer.step()
        curves.append(r.step, r.loss, r.accuracy, r.lr, r.grad_rms)
    return take_snapshot(trainer, curves, initial, 1, samples_per_s=1000.0)


def activations_ms(data, repeats: int) -> float:
    from nnviz.gui.views.activations.view import ActivationsView
    view = ActivationsView()
    view.resize(900, 600)
    view.show()
    view.model.set_dataset(data)  # the view reads the dataset from its session model
    snap = snapshot_after(data, 2)
    view.show_snapshot(snap)  # the first draw makes the items
    # A copy each time: the view's draw slot skips the very snapshot it drew last.
    copies = [copy.copy(snap) for _ in range(repeats)]
    times = []
    for again in copies:
        t0 = time.perf_counter()
        view.show_snapshot(again)
        times.append(time.perf_counter() - t0)
    assert view.drawing.count == repeats + 1, "every copy was drawn"
    view.close()
    return 1000 * statistics.median(times)


def histogram_ms(data) -> float:
    from nnviz.gui.views.data.stats import pixel_histogram
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        pixel_histogram(data.x_train)
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def evaluation_s(n: int) -> float:
    net = MLP((784, 256, 128, 10), seed=0)
    x = np.random.default_rng(0).random((n, 784), dtype=np.float32)
    y = np.arange(n) % 10
    Evaluation.compute(net, x[:100], y[:100])  # warm-up
    t0 = time.perf_counter()
    Evaluation.compute(net, x, y)
    return time.perf_counter() - t0


def close_ms(app, data) -> float:
    """Close a window mid-training; time until close() returns (the process has ended)."""
    w = open_window(data, TrainConfig(hidden=(32,), batch_size=32, epochs=10_000, seed=0),
                    datasets_dir())
    w.actions_["train"].trigger()
    run_until(lambda: w.model.shown is not None and w.model.shown.step > 10)
    t0 = time.perf_counter()
    close_window(w)
    took = time.perf_counter() - t0
    app.processEvents()
    return 1000 * took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--n", type=int, default=10_000, help="images to evaluate")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    data = load_dataset("mnist", datasets_dir())
    print(f"MNIST: {len(data.x_train)} training images")
    print(f"activations  {activations_ms(data, args.repeats):.2f} ms median show_snapshot "
          "(target < 5)")
    print(f"histogram    {histogram_ms(data):.1f} ms best of 3 (target < 250 on MNIST)")
    print(f"evaluation   {evaluation_s(args.n):.3f} s for {args.n:,} images "
          "(target < 0.6 for 10,000)")
    print(f"close        {close_ms(app, data):.0f} ms mid-training (target < 1000)")


if __name__ == "__main__":
    main()
