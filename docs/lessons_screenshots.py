"""Go through the eight lessons on the real MNIST and save three of them for the README.

The real window, offscreen: each chapter is set up with its own button and its task done as
a learner does it (Random, the layer box, → on the stepper, Train, the W − W₀ button, a 3
drawn with mouse events). Saved in ``docs/``, each as the Lessons window beside the view it
talks about: ``lesson-softmax.png`` (chapter 3), ``lesson-weights.png`` (chapter 5) and
``lesson-backprop.png`` (chapter 7). Prints how long the app itself took per chapter.

    QT_QPA_PLATFORM=offscreen python docs/lessons_screenshots.py [--mnist DIR] [--theme light]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from screenshots import MNIST, drag, wait  # noqa: E402 (the README screenshots' helpers)

GAP = 8  # pixels between the lessons and the view in a picture


def side_by_side(left, right, path, background) -> None:
    """Save the grabs of widgets ``left`` and ``right`` next to each other, tops aligned."""
    from PySide6.QtGui import QColor, QImage, QPainter
    a, b = left.grab().toImage(), right.grab().toImage()
    image = QImage(a.width() + GAP + b.width(), max(a.height(), b.height()),
                   QImage.Format.Format_RGB32)
    image.fill(QColor(background))
    painter = QPainter(image)
    painter.drawImage(0, 0, a)
    painter.drawImage(a.width() + GAP, 0, b)
    painter.end()
    if not image.save(str(path)):
        raise OSError(f"cannot write the picture {path}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default=str(MNIST))
    ap.add_argument("--theme", default="light", choices=("light", "dark"))
    args = ap.parse_args()
    import pyqtgraph as pg
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv)
    from PySide6.QtCore import QRect

    from nnviz.datasets import load_dataset
    from nnviz.gui.app import build_window
    from nnviz.gui.lessons import placing
    from nnviz.gui.lessons.steps import at_first_delta, at_loss, at_output

    # The offscreen screen is 800 px wide: the windows are placed as on a desktop's screen
    # (each picture puts the two side by side anyway).
    placing.screen_area = lambda widget: QRect(0, 0, 2560, 1440)

    settings = QSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"), QSettings.Format.IniFormat)
    w = build_window(settings=settings)
    w.set_theme(args.theme)
    w.resize(1600, 1000)
    w.show()
    w.files.set_dataset(load_dataset(args.mnist), args.mnist, reloadable=True)
    w.lessons_window.present()
    w.lessons_window.resize(820, 900)
    view = w.lessons_window.centralWidget()
    ex, weights = w.views["explorer"], w.views["weights"]
    w.explorer_window.resize(1320, 900)
    suffix = "" if args.theme == "light" else "-dark"
    background = w.theme.background

    def set_up():
        view.setup_button.click()
        wait(app, until=lambda: not view.setting_up)
        wait(app, 0.3)

    def done(timeout=300.0):
        wait(app, until=lambda: view.index in view.done, timeout=timeout)

    def right(times):
        for _ in range(times):
            QTest.keyClick(ex.pad, Qt.Key.Key_Right)
        wait(app, 0.3)

    def trained_until_done():
        w.actions_["train"].trigger()
        done()
        w.actions_["pause"].trigger()
        wait(app, until=lambda: not w.training.is_training)

    def chapter_1():
        set_up()
        ex.random_button.click()

    def chapter_2():
        set_up()
        wait(app, until=lambda: weights.layer_box.count() == 2)
        weights.layer_box.setCurrentIndex(1)

    def chapter_3():
        set_up()
        right(at_loss(ex.stepper) - 1)  # the softmax, spelled out
        side_by_side(w.lessons_window, w.explorer_window, HERE / f"lesson-softmax{suffix}.png",
                     background)
        right(1)

    def chapter_5():
        set_up()
        wait(app, until=lambda: w.model.latest.step >= 50 and not w.training.is_training)
        next(b for b in weights.mode_buttons.buttons() if b.text().startswith("Learned")).click()
        done()
        dock = w.docks["weights"]
        dock.setFloating(True)  # the view at a size of its own for the picture
        dock.resize(1000, 900)
        wait(app, 0.5)
        side_by_side(w.lessons_window, dock, HERE / f"lesson-weights{suffix}.png", background)
        dock.setFloating(False)

    def chapter_6():
        set_up()
        drag(ex.pad, [(60, 90), (45, 140), (60, 190), (95, 195), (130, 140)])
        drag(ex.pad, [(130, 140), (165, 195), (205, 190), (232, 140), (215, 90)])
        right(at_output(ex.stepper))
        print("    the drawn 3 is read as:", ex.answer.answer_text)

    def chapter_7():
        set_up()
        right(at_first_delta(ex.stepper) - ex.stepper.position)
        done()
        wait(app, 0.3)
        side_by_side(w.lessons_window, w.explorer_window, HERE / f"lesson-backprop{suffix}.png",
                     background)

    def trained_chapter():
        set_up()
        trained_until_done()

    total = 0.0
    for k, chapter in enumerate((chapter_1, chapter_2, chapter_3, trained_chapter, chapter_5,
                                 chapter_6, chapter_7, trained_chapter)):
        t0 = time.perf_counter()
        chapter()
        done()
        spent = time.perf_counter() - t0
        total += spent
        snap = w.model.latest
        where = (f"; run at step {snap.step}, test accuracy {snap.history[-1]['test_accuracy']:.3f}"
                 if snap is not None and snap.history else "")
        print(f"chapter {k + 1}: {spent:5.1f} s of the app (set up, training, checks){where}")
        if k < 7:
            view.next_button.click()
    print(f"all chapters: {total:.0f} s of the app's own time")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
