"""Pictures of every window, to compare the app before and after a change.

Trains the default preset on the real MNIST for ``--steps`` batches, then saves in ``--out``:
the main window at 1280×800 and 1920×1080 and in presenter mode, Draw and step with a test
image on the pad (at the input and three steps on), the Analysis window's three tabs and
the Lessons. The real widgets, offscreen; compare two folders by eye (or by pixel, where
nothing random is shown).

    QT_QPA_PLATFORM=offscreen python docs/every_window.py --out /tmp/after [--mnist DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from screenshots import MNIST, wait  # noqa: E402 (the README screenshots' helpers)

SIZES = ((1280, 800), (1920, 1080))


def save(widget, path: Path) -> None:
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write the picture {path}")
    print(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default=str(MNIST))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    import pyqtgraph as pg
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv)

    from nnviz.datasets import load_dataset
    from nnviz.gui.app import build_window

    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    w = build_window(settings=settings)
    w.set_theme("light")
    w.show()
    ds = load_dataset(args.mnist)
    w.files.set_dataset(ds, args.mnist, reloadable=True)
    wait(app, until=lambda: w.model.latest is not None)
    w.training.step(args.steps)
    wait(app, until=lambda: w.model.latest.step >= args.steps and not w.training.is_training,
         timeout=600)
    for width, height in SIZES:
        w.resize(width, height)
        wait(app, 1.0)
        w.refresh_views()
        wait(app, 0.5)
        save(w, args.out / f"main-{width}x{height}.png")
    w.set_presenter(True)
    w.resize(1920, 1080)
    wait(app, 1.0)
    w.refresh_views()
    wait(app, 0.5)
    save(w, args.out / "main-presenter.png")
    w.set_presenter(False)

    ex = w.views["explorer"]
    w.explorer_window.present()
    w.explorer_window.resize(1500, 920)
    first_three = int(next(i for i, y in enumerate(ds.y_test) if y == 3))
    ex.load_test_image(first_three)
    wait(app, 1.5)
    save(w.explorer_window, args.out / "explorer-input.png")
    for _ in range(3):
        ex.stepper_view.forward()
    wait(app, 1.0)
    save(w.explorer_window, args.out / "explorer-step3.png")

    w.analysis_window.resize(1500, 920)
    for name, seconds in (("evaluation", 6.0), ("map", 20.0), ("runs", 2.0)):
        w.analysis_window.show_tab(name)
        wait(app, seconds)
        save(w.analysis_window, args.out / f"analysis-{name}.png")

    w.lessons_window.present()
    w.lessons_window.resize(900, 860)
    wait(app, 1.5)
    save(w.lessons_window, args.out / "lessons.png")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
