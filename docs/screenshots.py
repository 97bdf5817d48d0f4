"""Make the README's screenshots of the Draw and step and the Analysis windows.

Trains the default preset on the real MNIST (one epoch, then on to ten), draws a digit on
the pad with real mouse events, and saves, in ``docs/``: the explorer mid forward pass, mid
backward pass (the saliency map) and with the unit inspector open; the evaluation view; the
map of the last hidden layer by t-SNE after one and after ten epochs; a comparison of three
runs. Every picture is of the real widgets, offscreen.

    QT_QPA_PLATFORM=offscreen python docs/screenshots.py [--mnist DIR] [--theme light]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
MNIST = Path(os.environ.get("NNVIZ_SHARED_DIR", HERE.parents[1] / "shared")) / "datasets" / "mnist"


def wait(app, seconds=0.0, until=None, timeout=120.0):
    """Run the event loop for ``seconds``, or until ``until()`` is true."""
    end = time.perf_counter() + (timeout if until else seconds)
    while time.perf_counter() < end:
        app.processEvents()
        if until is not None and until():
            return
        time.sleep(0.01)
    if until is not None:
        raise TimeoutError("the view did not finish in time")


def drag(pad, points):
    """Real mouse events on the pad: press, moves, release through canvas (row, col) points."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    vp = pad.graphics.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind, r, c, button, buttons):
        pos = QPointF(pad.graphics.mapFromScene(pad.image_item.mapToScene(QPointF(c, r))))
        QApplication.sendEvent(vp, QMouseEvent(kind, pos, QPointF(vp.mapToGlobal(pos.toPoint())),
                                               button, buttons, Qt.KeyboardModifier.NoModifier))
    send(QEvent.Type.MouseButtonPress, *points[0], left, left)
    for r, c in points[1:]:
        send(QEvent.Type.MouseMove, r, c, none, left)
    send(QEvent.Type.MouseButtonRelease, *points[-1], left, none)


def snapshots(data, config, epochs, run_id):
    """Train ``epochs`` epochs; yield a snapshot after each."""
    from nnviz.engine.snapshot import CurveBuffer, frozen, take_snapshot
    from nnviz.engine.training import Trainer, make_network
    trainer = Trainer(make_network(config, 784, 10), data, config)
    initial = tuple(frozen(L.W) for L in trainer.net.layers)
    curves = CurveBuffer(len(trainer.net.layers))
    while trainer.epochs_done < epochs:
        r = trainer.step()
        curves.append(r.step, r.loss, r.accuracy, r.lr, r.grad_rms)
        if r.record is not None:
            yield take_snapshot(trainer, curves, initial, run_id, fields=())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default=str(MNIST))
    ap.add_argument("--theme", default="light", choices=("light", "dark"))
    args = ap.parse_args()
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication
    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv)
    from nnviz.charts.theme import THEMES, apply_palette
    from nnviz.datasets import load_dataset
    from nnviz.engine.presets import get_preset
    from nnviz.gui.views.evaluation.view import EvaluationView
    from nnviz.gui.views.explorer.view import ExplorerView
    from nnviz.gui.views.map.view import MapView
    from nnviz.gui.views.runs.view import RunsView
    from nnviz.render.offscreen import grab_png

    theme = THEMES[args.theme]
    apply_palette(app, theme)
    suffix = "" if args.theme == "light" else "-dark"
    data = load_dataset(args.mnist)
    base = get_preset("default").config.replace(epochs=10)

    map_view = MapView(theme)
    map_view.resize(1000, 760)
    map_view.show()
    map_view.model.set_dataset(data)
    tsne = map_view.method_combo.findData("tsne")
    map_view.method_combo.setCurrentIndex(tsne)
    net = None
    for snap in snapshots(data, base, 10, run_id=1):
        if snap.epochs_done in (1, 10):
            map_view.show_snapshot(snap)
            map_view.refresh()
            wait(app, until=lambda: not map_view.busy, timeout=600)
            wait(app, 0.3)
            grab_png(map_view, HERE / f"map-epoch{snap.epochs_done}{suffix}.png")
            print(f"map after epoch {snap.epochs_done}: test accuracy "
                  f"{snap.history[-1]['test_accuracy']:.4f}")
        net = snap.network()

    ev = EvaluationView(theme)
    ev.resize(1300, 820)
    ev.show()
    ev.model.set_dataset(data)
    ev.set_model(net, "cross_entropy")
    wait(app, until=lambda: not ev.busy and ev.evaluation is not None)
    wait(app, 0.3)
    grab_png(ev, HERE / f"evaluation{suffix}.png")

    ex = ExplorerView(theme)
    ex.resize(1600, 950)
    ex.show()
    ex.model.set_dataset(data)
    ex.set_model(net, "cross_entropy", "the default preset after 10 epochs")
    wait(app, 0.2)
    drag(ex.pad, [(55, 70), (50, 150), (60, 205), (90, 200), (140, 150), (200, 95), (235, 75)])
    drag(ex.pad, [(235, 75), (232, 150), (228, 215)])  # a 2
    wait(app, 0.2)
    ex.explorer.go_to(2)
    wait(app, 0.2)
    grab_png(ex, HERE / f"explorer-forward{suffix}.png")
    ex.explorer.go_to(len(ex.stepper.steps) - 1)
    wait(app, 0.2)
    grab_png(ex, HERE / f"explorer-backward{suffix}.png")
    unit = int(np.argmax(ex.explorer.trace.layers[0].a[0]))
    ex.select_unit(1, unit)
    ex.inspector.controls.off_box.setChecked(True)  # switch the unit off: before → after
    wait(app, 1.5)
    grab_png(ex, HERE / f"explorer-unit{suffix}.png")
    print("explorer:", ex.answer.answer_text)

    import tempfile

    from nnviz.runs.library import RunLibrary
    from nnviz.session import SessionModel
    model = SessionModel()  # records the runs; the view shows them
    model.set_dataset(data)
    runs = RunsView(theme=theme, library=RunLibrary(Path(tempfile.mkdtemp()) / "models"),
                    model=model)
    model.subscribe("runs", runs)
    runs.resize(1200, 680)
    runs.show()
    for run_id, lr in enumerate((3e-4, 1e-3, 1e-2), start=1):
        config = base.replace(epochs=3, lr=lr, train_subset=20000)
        for snap in snapshots(data, config, 3, run_id):
            model.receive(snap)
            model.publish()
        runs.set_checked(("run", run_id), True)
    wait(app, 0.5)
    grab_png(runs, HERE / f"runs-compare{suffix}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
