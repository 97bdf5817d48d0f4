"""Training runs: a record of each, and their comparison.

A :class:`RunRecord` is what a run was (configuration, architecture, per-epoch history,
final metrics, dataset, date). :class:`RunRecorder` keeps one per ``run_id`` from the
training snapshots; :func:`compare` lines runs up for the comparison plots and table. The
library of saved runs is :mod:`nnviz.runs.library`. No Qt here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP
from nnviz.engine.snapshot import frozen

ACTIVATION_TEXT = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
SERIES_KEYS = ("train_loss", "val_loss", "test_loss", "train_accuracy", "val_accuracy",
               "test_accuracy")


def utc_now() -> datetime:
    return datetime.now(UTC)


def architecture_text(arch: dict) -> str:
    """``784-256-128-10 ReLU`` (``ReLU/tanh`` for one activation per hidden layer); a layer
    stack as ``28×28×1 conv8k5,pool2,…``."""
    if "layers" in arch:
        from nnviz.engine.convnet import spec_from_dict
        stack = ",".join(spec_from_dict(d).text for d in arch["layers"])
        return f"{'×'.join(map(str, arch['input_shape']))} {stack}"
    sizes = "-".join(str(int(s)) for s in arch["sizes"])
    names = [ACTIVATION_TEXT.get(a, a) for a in arch.get("activations") or ()]
    if not names:
        return f"{sizes} linear"
    return f"{sizes} {names[0] if len(set(names)) == 1 else '/'.join(names)}"


@dataclass(frozen=True)
class RunMetrics:
    """Where a run ended: the last epoch's test (and training) numbers and how much it did.
    ``test_accuracy``/``test_loss``/``train_loss`` are None before the first epoch ends."""

    test_accuracy: float | None = None
    test_loss: float | None = None
    train_loss: float | None = None
    epochs: int = 0
    steps: int = 0
    samples: int = 0
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class RunRecord:
    """One training run.

    Attributes
    ----------
    run_id : int
        The session's run number (0 for a model that came from elsewhere).
    name : str
    config : TrainConfig or None
        None only for a model file saved without one.
    architecture : dict
        As :meth:`MLP.architecture` (sizes, activations, init, init_scale, dtype).
    history : tuple of dict
        The Trainer's per-epoch records (``epoch``, ``train_loss``, ``test_accuracy``, …).
    metrics : RunMetrics
    dataset : str
    created : str
        When the run started, ISO 8601 in UTC.
    curves : dict of str to ndarray or None
        The per-batch series of the snapshot (``step``, ``loss``, ``accuracy``, ``lr`` (n,),
        ``grad_rms`` (n, L)); left out of ``==``.
    """

    run_id: int
    name: str
    config: TrainConfig | None
    architecture: dict
    history: tuple
    metrics: RunMetrics
    dataset: str = ""
    created: str = ""
    curves: dict | None = field(default=None, compare=False, repr=False)

    @property
    def architecture_text(self) -> str:
        return architecture_text(self.architecture)

    def replace(self, **changes) -> RunRecord:
        return dataclasses.replace(self, **changes)


def metrics_of(history: Sequence[dict], steps: int = 0, samples: int = 0,
               elapsed_s: float = 0.0) -> RunMetrics:
    """The :class:`RunMetrics` after ``history`` (the last epoch's numbers)."""
    last = history[-1] if history else {}
    return RunMetrics(last.get("test_accuracy"), last.get("test_loss"), last.get("train_loss"),
                      len(history), int(steps), int(samples), float(elapsed_s))


class RunRecorder:
    """Follows training snapshots and keeps one :class:`RunRecord` per ``run_id``.

    Cheap enough for every snapshot (~20 Hz): a snapshot whose step and epoch count were
    already seen changes nothing. A run is recorded once it has trained at least one batch
    (or came with a history); a fresh untrained network is not a run.
    """

    def __init__(self, dataset: str = "", now: Callable[[], datetime] = utc_now):
        self.dataset = dataset
        self._now = now
        self._records: dict[int, RunRecord] = {}
        self._seen: dict[int, tuple[int, int]] = {}

    def update(self, snap) -> RunRecord | None:
        """Record ``snap`` (a :class:`TrainingSnapshot`); the new record, or None if unchanged."""
        key = (snap.step, len(snap.history))
        if self._seen.get(snap.run_id) == key or (snap.step == 0 and not snap.history):
            return None
        self._seen[snap.run_id] = key
        old = self._records.get(snap.run_id)
        record = RunRecord(
            snap.run_id, old.name if old else f"run {snap.run_id}", snap.config,
            snap.architecture(), tuple(snap.history),
            metrics_of(snap.history, snap.step, snap.samples_seen, snap.elapsed_s),
            old.dataset if old else self.dataset,
            old.created if old else self._now().isoformat(timespec="seconds"), snap.curves)
        self._records[snap.run_id] = record
        return record

    def records(self) -> list[RunRecord]:
        """Every run recorded, oldest first."""
        return [self._records[k] for k in sorted(self._records)]

    def get(self, run_id: int) -> RunRecord | None:
        return self._records.get(run_id)

    def rename(self, run_id: int, name: str) -> RunRecord:
        record = self._records[run_id] = self._records[run_id].replace(name=name)
        return record

    def forget(self, run_id: int) -> None:
        self._records.pop(run_id, None)
        self._seen.pop(run_id, None)


def snapshot_network(snap, record: RunRecord) -> MLP:
    """The network of ``snap`` (a :class:`TrainingSnapshot`) built as ``record.architecture``
    says (so its init and dtype are the run's), weights copied exactly."""
    params = {f"{k}{L.index}": getattr(L, k) for L in snap.layers for k in ("W", "b")}
    return MLP.from_architecture(record.architecture, params)


# -- comparison ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunSeries:
    """A run's per-epoch curves: ``epoch`` (n,) and ``values[key]`` (n,) float64 for each of
    ``SERIES_KEYS`` (NaN where the run has no such split, e.g. no validation set)."""

    name: str
    epoch: np.ndarray
    values: dict


@dataclass(frozen=True)
class CompareRow:
    """One hyperparameter across runs: ``values`` as text, one per run; ``differs`` when the
    runs do not all agree (always False for a ``result`` row: results are expected to differ)."""

    key: str
    label: str
    values: tuple[str, ...]
    differs: bool
    result: bool = False


ROW_LABELS = {"hidden": "hidden layers", "init": "initialiser", "init_scale": "init scale",
              "lr": "learning rate", "l2": "L2 decay", "batch_size": "batch size",
              "step_epochs": "step every (epochs)", "min_lr_factor": "min lr factor",
              "train_subset": "training subset", "optimizer": "optimiser"}

# Values the Controls show in words (their spin boxes' special text): the table says the same.
SPECIAL_VALUES = {"train_subset": {0: "all"}}


def series_of(record: RunRecord) -> RunSeries:
    h = record.history
    values = {k: frozen(np.array([np.nan if r.get(k) is None else r[k] for r in h],
                                 dtype=np.float64))
              for k in SERIES_KEYS}
    return RunSeries(record.name, frozen(np.array([r["epoch"] for r in h], dtype=np.float64)),
                     values)


def format_value(value) -> str:
    """Short text of a hyperparameter (``256, 128``; ``0.001``; ``off``)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple | list):
        return ", ".join(format_value(v) for v in value)
    if dataclasses.is_dataclass(value):  # Augmentation
        on = [f"{f.name} {getattr(value, f.name):g}" for f in dataclasses.fields(value)
              if getattr(value, f.name)]
        return ", ".join(on) or "off"
    return str(value)


def compare(records: Sequence[RunRecord]) -> tuple[list[RunSeries], list[CompareRow]]:
    """The per-epoch curves of ``records`` and their hyperparameters side by side.

    Rows: the results (test accuracy, epochs, time), the dataset, then every
    :class:`TrainConfig` field in declaration order. A config row ``differs`` when the raw
    values are not all equal (so 0.001 and 0.0010000001 differ even though both print as
    0.001).
    """
    series = [series_of(r) for r in records]
    m = [r.metrics for r in records]
    acc = ["—" if x.test_accuracy is None else f"{100 * x.test_accuracy:.2f} %" for x in m]
    rows = [CompareRow("test_accuracy", "test accuracy", tuple(acc), False, True),
            CompareRow("epochs", "epochs trained", tuple(str(x.epochs) for x in m), False, True),
            CompareRow("elapsed_s", "training time", tuple(f"{x.elapsed_s:.1f} s" for x in m),
                       False, True),
            _row("dataset", "dataset", [r.dataset for r in records])]
    for f in dataclasses.fields(TrainConfig):
        raw = [getattr(r.config, f.name) if r.config is not None else None for r in records]
        rows.append(_row(f.name, ROW_LABELS.get(f.name, f.name.replace("_", " ")), raw))
    return series, rows


def _row(key: str, label: str, raw: list) -> CompareRow:
    differs = any(v != raw[0] for v in raw[1:])
    special = SPECIAL_VALUES.get(key, {})
    text = tuple(special.get(v, format_value(v)) if isinstance(v, int) else format_value(v)
                 for v in raw)
    return CompareRow(key, label, text, differs)
