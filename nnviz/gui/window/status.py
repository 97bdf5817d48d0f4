"""The status bar: dataset, state, epoch, step, samples/s, ETA, loss, accuracy, and on the
left the line naming a view that failed."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar

from nnviz.charts.theme import LIGHT, Theme

FIELDS = ("dataset", "state", "epoch", "step", "rate", "eta", "loss", "accuracy")
# What each training state means for the next Train (the state label's text, tooltip).
STATES = {
    "running": ("running", "Training: Pause halts it, Stop ends the run"),
    "paused": ("paused", "Train, Step or +1 epoch go on with this run"),
    "finished": ("finished",
                 "All epochs done; +1 epoch goes on with this run"),
    "stopped": ("stopped",
                "The run is over (its weights can still be saved); Train starts a new network "
                "from the controls"),
}


def format_eta(seconds: float) -> str:
    """``1:05:03``, ``4:07`` or ``12 s``; ``–`` when unknown."""
    if not seconds or seconds != seconds or seconds == float("inf"):
        return "–"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else (f"{m}:{s:02d}" if m else f"{s} s")


class StatusBar:
    """Permanent labels in the window's QStatusBar, updated from snapshots, and ``problem``:
    one line naming a view that failed and its error, until every view is served again."""

    def __init__(self, bar: QStatusBar, theme: Theme = LIGHT):
        self.bar = bar
        self.failures: dict[str, str] = {}  # view name → its line, in the order they failed
        self.problem = QLabel("")
        self.problem.setObjectName("status-problem")
        self.problem.setVisible(False)
        bar.addWidget(self.problem, 1)  # left of the permanent labels
        self.labels = {}
        for name in FIELDS:
            label = QLabel("")
            label.setObjectName(f"status-{name}")
            # Whole fields or nothing: a label is never squeezed below its text.
            label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            bar.addPermanentWidget(label)
            self.labels[name] = label
        self.set_text(dataset="no dataset", state="–")
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.problem.setStyleSheet(f"color: {theme.bad};")

    def set_text(self, **values: str) -> None:
        for name, text in values.items():
            self.labels[name].setText(text)

    def set_dataset(self, ds) -> None:
        # Short, so the bar stays readable at 1280 px; the full text in the tooltip.
        self.set_text(dataset=f"{ds.name} {len(ds.y_train):,}/{len(ds.y_test):,}")
        self.labels["dataset"].setToolTip(f"{ds.name}: {len(ds.y_train):,} training / "
                                          f"{len(ds.y_test):,} test images")

    def show_failure(self, name: str, failure) -> None:
        """``failure`` (a :class:`~nnviz.session.SubscriberFailure`) of view ``name``, or
        None: it is served again. The newest failure is the one shown."""
        self.failures.pop(name, None)
        if failure is not None:
            self.failures[name] = failure.message
        lines = list(self.failures.values())
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        self.problem.setText(lines[-1] + more if lines else "")
        self.problem.setToolTip(failure.details if failure is not None else "")
        self.problem.setVisible(bool(lines))

    def set_state(self, state: str) -> None:
        text, tip = STATES.get(state, (state, ""))
        self.set_text(state=text)
        self.labels["state"].setToolTip(tip)
        if state != "running":
            self.set_text(eta="ETA –")

    def show_snapshot(self, snap, session) -> None:
        cfg = snap.config
        remaining = max(cfg.epochs - snap.epoch, 0.0) * snap.n_train
        running = snap.samples_per_s > 0 and session.is_training
        eta = remaining / snap.samples_per_s if running else 0
        loss = snap.curves["loss"]
        acc = snap.history[-1]["test_accuracy"] if snap.history else None
        self.set_text(epoch=f"epoch {snap.epoch:.2f} / {cfg.epochs}", step=f"step {snap.step:,}",
                      rate=f"{snap.samples_per_s:,.0f}/s", eta=f"ETA {format_eta(eta)}",
                      loss=f"loss {loss[-1]:.4f}" if len(loss) else "loss –",
                      accuracy=f"test acc {100 * acc:.2f}%" if acc is not None else "test acc –")
