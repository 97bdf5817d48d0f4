"""Pictures of every window at the screen sizes people use, light and dark.

Trains the default preset on the real MNIST for ``--steps`` batches, then saves in ``--out``
(``docs/gallery`` by default), for each theme: the main window at 1280×800, 1366×768,
1920×1080 and 2560×1440 and presenting at 1280×720 and 1920×1080; Draw and step with a
test image on the pad at 940 px wide (where the Lessons put it), 1280×800 and 1920×1080, at
the input and three steps on; the Analysis window's three tabs and the Lessons at 1280×800
and 1920×1080. Each picture is checked by the layout check (its problems are printed). The
real widgets, offscreen; also to compare the app before and after a change.

    QT_QPA_PLATFORM=offscreen python docs/gallery.py [--out DIR] [--mnist DIR] [--theme light]
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

MAIN = ((1280, 800), (1366, 768), (1920, 1080), (2560, 1440))
PRESENTING = ((1280, 720), (1920, 1080))
SIDE = ((1280, 800), (1920, 1080))
EXPLORER = ((940, 760), *SIDE)


def save(widget, path: Path) -> list[str]:
    """Save ``widget``'s picture at ``path``; return its layout problems (also printed)."""
    from nnviz.gui.widgets.layout_check import layout_problems
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write the picture {path}")
    problems = layout_problems(widget)
    print(f"{path}: {len(problems)} layout problem(s)")
    for problem in problems:
        print("   ", problem)
    return problems


def shown(app, window, size, seconds=1.0):
    window.resize(*size)
    if hasattr(window, "layout_docks"):
        window.layout_docks()  # as a first start on a screen of that size lays them out
    wait(app, seconds)
    if hasattr(window, "refresh_views"):
        window.refresh_views()
    wait(app, 0.3)


def take(app, w, ds, out: Path, theme: str) -> int:
    """Every picture of the trained window ``w`` in ``theme``; returns the problems found."""
    w.set_theme(theme)
    problems = 0
    for size in MAIN:
        shown(app, w, size)
        problems += len(save(w, out / f"main-{size[0]}x{size[1]}-{theme}.png"))
    w.set_presenter(True)
    for size in PRESENTING:
        shown(app, w, size)
        problems += len(save(w, out / f"main-presenter-{size[0]}x{size[1]}-{theme}.png"))
    w.set_presenter(False)
    shown(app, w, MAIN[0])

    ex = w.views["explorer"]
    w.explorer_window.present()
    first_three = int(next(i for i, y in enumerate(ds.y_test) if y == 3))
    for size in EXPLORER:
        ex.load_test_image(first_three)
        shown(app, w.explorer_window, size, 1.5)
        name = f"explorer-{size[0]}x{size[1]}-{theme}"
        problems += len(save(w.explorer_window, out / f"{name}.png"))
        for _ in range(3):
            ex.stepper_view.forward()
        wait(app, 1.0)
        problems += len(save(w.explorer_window, out / f"{name}-step3.png"))
    w.explorer_window.hide()

    for name, seconds in (("evaluation", 6.0), ("map", 20.0), ("runs", 2.0)):
        w.analysis_window.show_tab(name)
        for i, size in enumerate(SIDE):
            shown(app, w.analysis_window, size, seconds if i == 0 else 1.5)
            problems += len(save(w.analysis_window,
                                 out / f"analysis-{name}-{size[0]}x{size[1]}-{theme}.png"))
    w.analysis_window.hide()

    w.lessons_window.present()
    for size in SIDE:
        shown(app, w.lessons_window, size, 1.5)
        problems += len(save(w.lessons_window, out / f"lessons-{size[0]}x{size[1]}-{theme}.png"))
    w.lessons_window.hide()
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default=str(MNIST))
    ap.add_argument("--out", type=Path, default=HERE / "gallery")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--theme", choices=("light", "dark"), action="append",
                    help="only this theme (again for both; default: both)")
    args = ap.parse_args(argv)
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
    w.show()
    ds = load_dataset(args.mnist)
    w.files.set_dataset(ds, args.mnist, reloadable=True)
    wait(app, until=lambda: w.model.latest is not None)
    w.training.step(args.steps)
    wait(app, until=lambda: w.model.latest.step >= args.steps and not w.training.is_training,
         timeout=600)
    problems = sum(take(app, w, ds, args.out, theme) for theme in args.theme or ("light", "dark"))
    print(f"{problems} layout problem(s) in all")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
