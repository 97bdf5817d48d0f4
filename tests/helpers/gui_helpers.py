"""Helpers for the GUI tests, imported by name (``from gui_helpers import shown``): a small
learnable dataset, real snapshots, showing a widget, waiting for the window to train."""

import numpy as np

from nnviz.datasets import Dataset
from nnviz.engine.config import TrainConfig
from nnviz.engine.snapshot import CurveBuffer, frozen, take_snapshot
from nnviz.engine.training import Trainer, make_network


def tiny_digits(n_train=300, n_test=100, seed=0) -> Dataset:
    """A small learnable 28×28 dataset: class k is a bright bar at place k, plus noise."""
    rng = np.random.default_rng(seed)

    def make(n):
        y = np.arange(n) % 10
        img = rng.random((n, 28, 28)).astype(np.float32) * 0.2
        for i, k in enumerate(y):
            r, c = 3 + 11 * (k // 5), 3 + 5 * (k % 5)
            img[i, r:r + 10, c:c + 4] = 0.8 + 0.2 * rng.random()
        return img.reshape(n, 784), y.astype(np.int64)

    x_tr, y_tr = make(n_train)
    x_te, y_te = make(n_test)
    return Dataset(name="tiny-digits", class_names=tuple(str(k) for k in range(10)),
                   x_train=x_tr, y_train=y_tr, x_val=x_tr[:0], y_val=y_tr[:0],
                   x_test=x_te, y_test=y_te, image_shape=(28, 28), source="tests")


def shown(qtbot, widget, width: int, height: int):
    """``widget`` owned by ``qtbot``, resized, shown and exposed; returns it."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def make_snapshot(data: Dataset, steps: int = 25, config: TrainConfig | None = None,
                  run_id: int = 1):
    """Train ``steps`` batches on ``data`` and take a real snapshot, as the worker does.

    Returns (snapshot, trainer, curves).
    """
    config = config or TrainConfig(hidden=(32, 16), batch_size=32, epochs=100, seed=0)
    trainer = Trainer(make_network(config, data.n_features, data.n_classes), data, config)
    initial = tuple(frozen(L.W) for L in trainer.net.layers)
    curves = CurveBuffer(len(trainer.net.layers))
    for _ in range(steps):
        r = trainer.step()
        curves.append(r.step, r.loss, r.accuracy, r.lr, r.grad_rms)
    return take_snapshot(trainer, curves, initial, run_id, samples_per_s=1000.0), trainer, curves


def latest(w, attr):
    """An attribute of the newest snapshot, or None before the first one."""
    return getattr(w.model.latest, attr, None)


def trained(qtbot, w, steps):
    w.training.step(steps)
    qtbot.waitUntil(lambda: w.model.latest is not None and w.model.latest.step == steps
                    and w.training.state == "paused", timeout=20_000)
    w.refresh_views()
    return w.model.latest
