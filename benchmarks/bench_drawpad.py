"""Stroke-to-answer latency of the explorer: from a mouse event on the drawing pad to the
answer, the diagram and the stepper drawn on screen.

A trained 784-256-128-10 network (the default preset, one epoch of real MNIST when it is
available, else random weights) is explored at 1600×950. A digit is drawn as a sequence of
real mouse-move events; for each, the clock runs from just before the event is sent until
the event loop has processed it and painted every update it caused (``processEvents``).
Moves come 20 ms apart, as from a real hand, so the pad's 16 ms throttle lets each one
through. Printed: median and 95th percentile of the whole latency, of the compute part
(pad → preprocessing → backward trace → items updated: ``ExplorerView.latency_ms``), and
their ratio to the 20 ms target and to a bare engine forward pass of one image.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_drawpad.py [--strokes 6]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from shared_data import MNIST  # noqa: E402

TARGET_MS = 20.0


def trained_network():
    from nnviz.datasets import load_dataset
    from nnviz.engine.presets import get_preset
    from nnviz.engine.training import Trainer, make_network
    config = get_preset("default").config
    mnist = MNIST
    if not mnist.is_dir():
        print("MNIST not found: random weights (latency does not depend on them)")
        return make_network(config, 784, 10), None
    data = load_dataset(str(mnist))
    trainer = Trainer(make_network(config, 784, 10), data, config)
    trainer.run(max_steps=len(data.x_train) // config.batch_size)
    return trainer.net, data


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strokes", type=int, default=6)
    args = ap.parse_args()
    import pyqtgraph as pg
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv)
    from nnviz.gui.views.explorer.view import ExplorerView

    net, data = trained_network()
    w = ExplorerView()
    w.resize(1600, 950)
    w.show()
    if data is not None:
        w.model.set_dataset(data)
    w.set_model(net, "cross_entropy", "benchmark")
    app.processEvents()
    vp = w.pad.graphics.viewport()

    def send(kind, row, col, button, buttons):
        scene = w.pad.image_item.mapToScene(QPointF(col + 0.5, row + 0.5))
        pos = QPointF(w.pad.graphics.mapFromScene(scene))
        QApplication.sendEvent(vp, QMouseEvent(kind, pos, QPointF(vp.mapToGlobal(pos.toPoint())),
                                               button, buttons, Qt.KeyboardModifier.NoModifier))

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    total, compute = [], []
    rng = np.random.default_rng(0)
    for _ in range(args.strokes):
        w.pad.clear()
        app.processEvents()
        r0, c0 = rng.uniform(60, 220, 2)
        send(QEvent.Type.MouseButtonPress, r0, c0, left, left)
        app.processEvents()
        angle = rng.uniform(0, 2 * np.pi)
        for i in range(1, 25):
            time.sleep(0.02)  # a hand moves every ~20 ms; the throttle lets each through
            r = r0 + 6 * i * np.sin(angle + 0.08 * i)
            c = c0 + 6 * i * np.cos(angle + 0.08 * i)
            w.latency_ms = float("nan")
            t = time.perf_counter()
            send(QEvent.Type.MouseMove, np.clip(r, 5, 275), np.clip(c, 5, 275), none, left)
            app.processEvents()
            elapsed = 1000 * (time.perf_counter() - t)
            if not np.isnan(w.latency_ms):  # the move reached the network (not throttled)
                total.append(elapsed)
                compute.append(w.latency_ms)
        send(QEvent.Type.MouseButtonRelease, r0, c0, left, none)
        app.processEvents()

    x = w.x[None].astype(np.float32)
    t = time.perf_counter()
    for _ in range(200):
        net.logits(x)
    forward_ms = 1000 * (time.perf_counter() - t) / 200
    med, p95 = statistics.median(total), percentile(total, 95)
    cmed, cp95 = statistics.median(compute), percentile(compute, 95)
    network = "-".join(map(str, net.sizes))
    print(f"strokes {args.strokes}, measured moves {len(total)} (network {network})")
    print(f"stroke → answer on screen: median {med:.2f} ms, p95 {p95:.2f} ms, "
          f"max {max(total):.2f} ms")
    print(f"  compute part (pad → trace → items): median {cmed:.2f} ms, p95 {cp95:.2f} ms")
    print(f"  ratio to the {TARGET_MS:.0f} ms target: median {med / TARGET_MS:.2f}, "
          f"p95 {p95 / TARGET_MS:.2f}")
    print(f"  bare engine forward of one image: {forward_ms:.3f} ms "
          f"(latency = {med / forward_ms:.0f}× a forward pass)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
