"""Soak: does the window keep its memory and its redraw rate over a long training run?

Opens the real window with every view visible: the five docks of the main window, the Draw
and step window (a test image on its pad) and the analysis views. The analysis window shows
one tab at a time, so the map and the runs views are taken out of its tabs into windows of
their own (the evaluation view stays in the tab). It trains the default preset on the real
MNIST for ``--minutes`` (with more epochs than a soak can finish), and every ``--interval``
seconds samples: the resident memory (VmRSS in /proc) of the GUI process, the training
process and the map process; each view's redraws per second (counted by wrapping, on each
view instance, the method that draws it: see :class:`RedrawCounter`); batches per second.

At the end: start and end memory of each process, where *start* is the first sample at or
after the warm-up (``--warmup``, 60 s: the views, the evaluation pool and the map process
have all started by then), and its growth; each redraw rate's mean over the first and the
last quarter of the intervals after the warm-up, and their ratio. PASS when the GUI and the
training process grow by less than 10 % and every redraw ratio judged is within 0.8–1.25
(a view's ratio is judged only when both quarters hold ≥ 100 redraws, so that counting noise
stays under 10 %; every view must redraw after the warm-up). Ctrl+C, once the table is
printing, ends the soak early and still summarizes. Exit status 0 on PASS, 1 on FAIL.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_soak.py [--minutes 20] [--interval 10]
        [--warmup 60] [--data-dir DIR] [--csv soak.csv]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_window import (  # noqa: E402
    close_window,
    open_window,
    run_until,
    show_every_view,
    wait_for_first_draw,
)
from shared_data import datasets_dir  # noqa: E402
from soak_report import VIEWS, Sample, summarize, table_header, table_row  # noqa: E402

from nnviz.datasets import DatasetError, load_dataset  # noqa: E402
from nnviz.engine.presets import get_preset  # noqa: E402

EPOCHS = 100_000  # an epoch takes about a second with the window open: never finished in a soak


def rss_mb(pid: int | str = "self") -> float | None:
    """Resident memory of process ``pid`` in MB (VmRSS), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def load_average() -> float:
    """The machine's 1-minute load average: other work on a shared machine slows the soak."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def quiet_platform_notes() -> None:
    """Drop the offscreen platform's "This plugin does not support raise()" (and the like)
    from stderr, where they would break up the table; every other Qt message goes on."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message):
        if not message.startswith("This plugin does not support"):
            print(message, file=sys.stderr)
    qInstallMessageHandler(handler)


def child_pids() -> dict[str, int]:
    """The pids of the GUI's child processes by name (``nnviz-training``, ``nnviz-maps``)."""
    return {p.name: p.pid for p in multiprocessing.active_children()}


def child_rss(pids: dict[str, int], name: str) -> float | None:
    return rss_mb(pids[name]) if name in pids else None


class RedrawCounter:
    """Counts each view's redraws without changing the views.

    Curves, weights and activations draw through their ``DrawSlot`` (``view.drawing``), which
    counts its draws. The explorer's model takes the training network in
    ``ExplorerModel._set_network`` and the runs table redraws in ``_refresh_table`` (both
    called through ``self``); evaluation and map emit ``updated`` after drawing a result."""

    SLOTS = ("curves", "weights", "activations")

    def __init__(self, views: dict):
        self._counted = dict.fromkeys(VIEWS, 0)
        self._slots = {name: views[name].drawing for name in self.SLOTS}
        self._from = {name: slot.count for name, slot in self._slots.items()}
        self._count_calls("explorer", views["explorer"].explorer, "_set_network")
        self._count_calls("runs", views["runs"], "_refresh_table")
        views["evaluation"].updated.connect(self._evaluated)
        views["map"].updated.connect(self._mapped)

    @property
    def counts(self) -> dict[str, int]:
        """Each view's redraws so far."""
        drawn = {name: slot.count - self._from[name] for name, slot in self._slots.items()}
        return {**self._counted, **drawn}

    def _count_calls(self, name: str, view, method: str) -> None:
        original = getattr(view, method)

        def counted(*args, **kwargs):
            result = original(*args, **kwargs)
            self._counted[name] += 1
            return result
        setattr(view, method, counted)

    def _evaluated(self) -> None:
        self._counted["evaluation"] += 1

    def _mapped(self) -> None:
        self._counted["map"] += 1


class Soak:
    """Samples the running window every ``interval`` s for ``seconds``; then closes it."""

    def __init__(self, app, w, extra, seconds: float, interval: float, csv):
        from PySide6.QtCore import QTimer
        self.app, self.w, self.extra, self.csv = app, w, extra, csv
        self.n = max(1, round(seconds / interval))
        self.counter = RedrawCounter(w.views)
        self.samples: list[Sample] = []
        self.pids: dict[str, int] = {}
        self.interrupted = False
        self.timer = QTimer(interval=round(1000 * interval), timeout=self.sample)
        # Python runs a signal handler only between bytecodes: this tick lets Ctrl+C in.
        self.watch = QTimer(interval=250, timeout=self._check_interrupt)

    def start(self) -> None:
        self.w.training.train()
        run_until(lambda: self.w.training.is_training)
        self.t0 = time.perf_counter()
        self.sample()
        self.timer.start()
        self.watch.start()

    def sample(self) -> None:
        pids = child_pids()
        self.pids.update(pids)
        snap = self.w.model.latest
        s = Sample(t=time.perf_counter() - self.t0, step=snap.step if snap is not None else 0,
                   counts=dict(self.counter.counts), state=self.w.training.state,
                   load=load_average(),
                   rss={"gui": rss_mb(), "training": child_rss(pids, "nnviz-training"),
                        "maps": child_rss(pids, "nnviz-maps")})
        previous = self.samples[-1] if self.samples else None
        self.samples.append(s)
        print(table_row(s, previous), flush=True)
        if self.csv is not None:
            self.csv.write(table_row(s, previous, csv=True) + "\n")
            self.csv.flush()
        if len(self.samples) > self.n:
            self.finish()

    def _check_interrupt(self) -> None:
        if self.interrupted:
            print("interrupted: ending the soak early", flush=True)
            self.finish()

    def finish(self) -> None:
        """Stop sampling, close every window (the training process ends), quit the loop."""
        self.timer.stop()
        self.watch.stop()
        for window in self.extra:
            window.close()
        close_window(self.w)
        self.app.quit()  # aboutToQuit ends the map process


def leftover_processes(pids: dict[str, int], timeout: float = 5.0) -> list[str]:
    """The child processes seen during the soak that are still alive ``timeout`` s after the
    window closed (those still ours are terminated then)."""
    from PySide6.QtCore import QThreadPool
    QThreadPool.globalInstance().waitForDone(int(1000 * timeout))  # evaluations under way
    end = time.monotonic() + timeout
    while multiprocessing.active_children() and time.monotonic() < end:
        time.sleep(0.05)
    alive = multiprocessing.active_children()
    for p in alive:
        p.terminate()
        p.join(1.0)
    left = {p.pid for p in alive} | {pid for pid in pids.values() if rss_mb(pid) is not None}
    return [f"{name} (pid {pid})" for name, pid in pids.items() if pid in left]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=20.0, help="length of the soak (default 20)")
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=60.0,
                    help="seconds before the sample that memory growth is measured from")
    ap.add_argument("--data-dir", type=Path, default=datasets_dir(),
                    help="folder holding mnist/ (default: the shared datasets)")
    ap.add_argument("--csv", type=Path, help="also write the samples to this CSV file")
    args = ap.parse_args(argv)
    if args.interval <= 0 or args.minutes <= 0:
        ap.error("--minutes and --interval must be positive")
    if args.warmup + 2 * args.interval > 60 * args.minutes:
        ap.error(f"--minutes {args.minutes:g} leaves fewer than two intervals after the "
                 f"warm-up of {args.warmup:g} s: make it longer, or --warmup shorter")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        data = load_dataset("mnist", args.data_dir)
        csv = open(args.csv, "w") if args.csv else None
    except (DatasetError, OSError) as exc:
        print(f"bench_soak: error: {exc}", file=sys.stderr)
        return 2
    from nnviz.charts.app import make_app
    app = make_app()
    quiet_platform_notes()
    # Ctrl+C reaches the whole process group: the training and map processes, started from
    # here on, inherit "ignore" (Python then installs no KeyboardInterrupt in them), and this
    # process alone ends the soak, closing them as the window does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    w = open_window(data, get_preset("default").config.replace(epochs=EPOCHS), args.data_dir)
    view_failures: list[str] = []  # shown in the status bar, not in a dialog: failures too
    w.model.add_failure_listener(lambda name, f: f is not None and view_failures.append(f.message))
    extra = show_every_view(w)
    wait_for_first_draw(app, w)  # the map process has started for the first map by now
    soak = Soak(app, w, extra, 60 * args.minutes, args.interval, csv)
    signal.signal(signal.SIGINT, lambda *_: setattr(soak, "interrupted", True))
    print(f"soak: {args.minutes:g} min, a sample every {args.interval:g} s, "
          f"growth measured from the first sample at or after {args.warmup:g} s")
    if csv is not None:
        csv.write(table_header(csv=True) + "\n")
    print(table_header())
    soak.start()
    app.exec()
    if csv is not None:
        csv.close()
    lines, ok = summarize(soak.samples, args.warmup, w.errors + view_failures)
    left = leftover_processes(soak.pids)
    print("\n".join(lines))
    print("processes: " + ("all ended" if not left else "LEFT RUNNING: " + ", ".join(left)))
    print("PASS" if ok and not left else "FAIL")
    return 0 if ok and not left else 1


if __name__ == "__main__":
    sys.exit(main())
