"""Starting the window: ``nnviz`` / ``nnviz gui [--preset] [--data-dir] [--train-steps N]
[--screenshot PATH] [--presenter]``. With ``--screenshot``, the window trains N batches, lets
every view draw, saves a PNG of itself and exits (works with ``QT_QPA_PLATFORM=offscreen``);
``--presenter`` starts in presenter mode (View > Presenter, F11)."""

from __future__ import annotations

import sys
import time

from nnviz.gui.timing import SCREENSHOT_TICK_MS, SIGINT_MS

SHOT_TIMEOUT_S = 300
EXIT_INTERRUPTED = 130  # as nnviz.cli.errors says for Ctrl-C (cli is a layer above)


def build_window(settings=None, data_dir=None):
    """The main window with its Lessons: the lessons sit above the window (they drive it
    through its commands), so they are given to it here."""
    from nnviz.gui.lessons.view import LessonsView
    from nnviz.gui.window.main_window import MainWindow
    return MainWindow(settings=settings, data_dir=data_dir, lessons=LessonsView)


def run_app(args) -> int:
    """Create the window, open the last (or the default) dataset, run the event loop."""
    from nnviz.charts.app import delete_window, make_app
    from nnviz.engine.presets import get_preset

    app = make_app()
    window = build_window(data_dir=getattr(args, "data_dir", None))
    interrupted = quit_on_sigint(app, window)
    preset = getattr(args, "preset", None)
    if preset:
        window.views["controls"].set_config(get_preset(preset).config)
    if getattr(args, "screenshot", None):
        window.set_theme(getattr(args, "theme", None) or window.theme.name)
        window.resize(1600, 1000)
    if getattr(args, "presenter", False):
        window.set_presenter(True)
    window.show()
    source = window.settings.value("data/source") or "mnist"
    window.open_dataset(source if not getattr(args, "screenshot", None) else "mnist",
                        offer_download=True)
    if getattr(args, "screenshot", None):
        director = Director(app, window, getattr(args, "train_steps", 0) or 0, args.screenshot)
        director.start()  # referenced until exec() returns, or its timer would be collected
    code = app.exec()
    delete_window(window)  # now, not in the interpreter's exit (a crash there)
    if interrupted:
        print("nnviz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def quit_on_sigint(app, window) -> list:
    """Ctrl+C closes the window as its close button does (settings saved, helpers ended),
    instead of a ``KeyboardInterrupt`` traceback from whatever slot was running. Returns a list
    that holds True once it happened."""
    import signal

    from PySide6.QtCore import QTimer
    interrupted: list = []

    def on_sigint(signum, frame):
        if not interrupted:
            interrupted.append(True)
            QTimer.singleShot(0, window.close)
            QTimer.singleShot(0, app.quit)
    signal.signal(signal.SIGINT, on_sigint)
    # Python runs its signal handlers between bytecodes: a timer makes sure some run while
    # the event loop idles in C++.
    app._sigint_timer = QTimer(interval=SIGINT_MS, timeout=lambda: None)
    app._sigint_timer.start()
    return interrupted


class Director:
    """Drives the headless screenshot: wait for data, train N batches, let views draw, grab."""

    def __init__(self, app, window, steps: int, path):
        from PySide6.QtCore import QTimer
        self.app, self.window, self.steps, self.path = app, window, steps, path
        self.timer = QTimer(interval=SCREENSHOT_TICK_MS, timeout=self.tick)
        self.t0 = time.monotonic()
        self.phase = "data"
        self.settle_until = 0.0

    def start(self):
        self.timer.start()

    def tick(self):
        w, s, m = self.window, self.window.training, self.window.model
        if time.monotonic() - self.t0 > SHOT_TIMEOUT_S or (w.errors and m.dataset is None):
            print(f"nnviz: error: screenshot not taken: {w.errors[-1] if w.errors else 'timeout'}",
                  file=sys.stderr)
            self.app.exit(2)
        elif self.phase == "data" and m.latest is not None:
            self.phase = "train"
            if self.steps:
                s.step(self.steps)
        elif self.phase == "train" and m.latest.step >= self.steps and not s.is_training:
            self.phase, self.settle_until = "settle", time.monotonic() + 1.0
        elif self.phase == "settle" and time.monotonic() > self.settle_until:
            w.refresh_views()
            from nnviz.render.offscreen import grab_png
            code = 0
            try:
                grab_png(w, self.path)
            except OSError as exc:
                print(f"nnviz: error: screenshot not taken: {exc}", file=sys.stderr)
                code = 2
            self.timer.stop()
            w.close()
            self.app.exit(code)
