"""The real window as the GUI benchmarks open it: every dock showing, a dataset and a new
network, and the settings in a throw-away file (the user's own are never read or written)."""

from __future__ import annotations

import os
import tempfile


def open_window(data, config, data_dir):
    """A shown :class:`MainWindow` of 1600×1000 on ``data`` with a new network of ``config``.

    The Data dock, tabbed behind Activations by default, is split out so that all five docks
    are visible. Close it with :func:`close_window`."""
    from PySide6.QtCore import QSettings, Qt

    from nnviz.gui.app import build_window
    fd, ini = tempfile.mkstemp(suffix=".ini", prefix="nnviz-bench-")
    os.close(fd)
    w = build_window(settings=QSettings(ini, QSettings.Format.IniFormat), data_dir=data_dir)
    w.resize(1600, 1000)
    w.show()
    w.splitDockWidget(w.docks["activations"], w.docks["data"], Qt.Orientation.Vertical)
    w.files.set_dataset(data, "mnist", reloadable=True)
    w.new_network(config)
    return w


def run_until(predicate, poll_ms: int = 20) -> None:
    """Run a real event loop (as ``app.exec()`` does) until ``predicate()`` is true."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    timer = QTimer(interval=poll_ms, timeout=lambda: predicate() and loop.quit())
    timer.start()
    loop.exec()
    timer.stop()


def wait_for_first_draw(app, w) -> None:
    """Until the new network's first snapshot (step 0) has been handed to the views, drawn
    by every visible one (the frame clock draws them in turn) and painted: the views create
    their items once, a start-up cost apart from training."""
    run_until(lambda: w.model.shown is not None and w.model.shown.step == 0
              and not any(s.pending is not None and s.ready() for s in w.frames.slots.values()))
    for _ in range(5):
        app.processEvents()


def close_window(w) -> None:
    """Close ``w`` (its training process ends, its side windows close), delete it and its
    settings file."""
    from nnviz.charts.app import delete_window
    path = w.settings.fileName()
    delete_window(w)
    if os.path.exists(path):
        os.remove(path)


def show_every_view(w) -> list:
    """Show the side windows, with each analysis view visible: the map and runs views move
    from their tabs into windows of their own. Returns those extra windows."""
    from nnviz.gui.window.side_windows import SideWindow
    w.send_to_pad(0)  # the explorer's stepper and answer follow the network too
    tabs = w.analysis_window.tabs
    extra = []
    for name, title in (("map", "Map (soak)"), ("runs", "Runs (soak)")):
        view = w.views[name]
        tabs.removeTab(tabs.indexOf(view))
        extra.append(SideWindow(title, f"soak-{name}", view, w))
        view.show()  # a tab page not current was hidden by the tabs, and would stay so
    w.analysis_window.show_tab("evaluation")
    for window in extra:
        window.present()
    return extra
