"""The model library: saved runs by name in the user data folder.

:class:`RunLibrary` saves a network with its :class:`~nnviz.runs.record.RunRecord` as one
ordinary nnviz model file (``<name>.npz``, written by :func:`save_model`, so ``nnviz
evaluate`` and File → Load model read it too), lists them from their metadata alone, loads,
renames and deletes them. A corrupt file is skipped and reported, never fatal; listing also
sweeps the temporary files of saves that were killed (:mod:`nnviz.files.atomic`). No Qt here.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nnviz.engine.checkpoint import (
    CheckpointError,
    config_from_meta,
    load_model,
    read_meta,
    save_model,
)
from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP
from nnviz.engine.snapshot import frozen
from nnviz.files.atomic import sweep_stale
from nnviz.runs.record import RunMetrics, RunRecord, metrics_of, utc_now


class LibraryError(ValueError):
    """A library operation that cannot be done; the message says why, for the user."""


# Letters or digits first; then also space . , - + = ( ). No separators, no hidden files.
_NAME = re.compile(r"[^\W_][\w .,+=()-]*")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}
MAX_NAME = 80
MAX_SAVED_POINTS = 1024  # per-batch curve points kept in a saved model (see pack_curves)


def check_name(name: str) -> str:
    """``name`` without surrounding spaces, if it can be a library entry; else LibraryError."""
    clean = str(name).strip()
    if not clean:
        raise LibraryError("a model needs a name")
    if len(clean) > MAX_NAME:
        raise LibraryError(f"a model name has at most {MAX_NAME} characters, this one {len(clean)}")
    if not _NAME.fullmatch(clean) or clean.endswith("."):
        raise LibraryError(f"{clean!r} is not a valid model name: use letters, digits, spaces and "
                           ". , - + = ( ), starting with a letter or digit and not ending in '.'")
    if clean.split(".")[0].lower() in _RESERVED:
        raise LibraryError(f"{clean!r} is a reserved file name on Windows; choose another")
    return clean


@dataclass(frozen=True)
class LibraryEntry:
    """One saved model as the library lists it; ``date`` is when it was saved (ISO, UTC)."""

    name: str
    date: str
    path: Path
    record: RunRecord

    @property
    def architecture(self) -> str:
        return self.record.architecture_text

    @property
    def accuracy(self) -> float | None:
        return self.record.metrics.test_accuracy


class RunLibrary:
    """Named models with their run records, one ``<name>.npz`` each in ``root``.

    Parameters
    ----------
    root : path, optional
        Default ``platformdirs.user_data_dir("nnviz")/"models"``.
    now : callable returning an aware datetime
        The clock that dates saves.

    Attributes
    ----------
    problems : list of str
        Why entries were skipped by the last :meth:`list` (one line each).
    """

    def __init__(self, root=None, now: Callable[[], datetime] = utc_now):
        if root is None:
            import platformdirs
            root = Path(platformdirs.user_data_dir("nnviz")) / "models"
        self.root = Path(root)
        self._now = now
        self.problems: list[str] = []

    def path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}.npz"

    def __contains__(self, name: str) -> bool:
        return self.path(name).is_file()

    def save(self, name: str, net: MLP, record: RunRecord,
             overwrite: bool = False) -> LibraryEntry:
        """Save ``net`` with ``record`` as ``name`` (atomic: a crash leaves the old file or
        none)."""
        path = self.path(name)
        name = path.stem
        if path.exists() and not overwrite:
            raise LibraryError(f"the library already has a model named {name!r}")
        saved = self._now().isoformat(timespec="microseconds")
        m = record.metrics
        run = {"run_id": record.run_id, "dataset": record.dataset, "created": record.created,
               "metrics": dataclasses.asdict(m),
               "curves": pack_curves(record.curves) if record.curves else None}
        try:
            save_model(path, net, record.config, list(record.history),
                       extra={"run": run, "saved": saved})
        except OSError as exc:
            raise LibraryError(f"cannot save {name!r} in {self.root}: "
                               f"{exc.strerror or exc}") from None
        record = record.replace(name=name, architecture=net.architecture())
        return LibraryEntry(name, saved, path, record)

    def list(self) -> list[LibraryEntry]:
        """Every readable entry, newest first; unreadable ones are skipped into ``problems``."""
        self.problems = []
        entries = []
        sweep_stale(self.root)
        for path in sorted(self.root.glob("*.npz")) if self.root.is_dir() else ():
            if path.name.startswith("."):
                continue
            try:
                entries.append(self._entry(path))
            except (CheckpointError, LibraryError) as exc:
                self.problems.append(str(exc))
        return sorted(entries, key=lambda e: (-_timestamp(e.date), e.name))

    def load(self, name: str) -> tuple[MLP, RunRecord]:
        """The network (weights bit-identical to those saved) and its record."""
        path = self._existing(name)
        try:
            ck = load_model(path)
        except CheckpointError as exc:
            raise LibraryError(str(exc)) from None
        meta = {"architecture": ck.net.architecture(), "history": ck.history, "extra": ck.extra}
        return ck.net, _record(path, meta, ck.config)  # load_model checked its fields' types

    def delete(self, name: str) -> None:
        self._existing(name).unlink()

    def rename(self, name: str, new_name: str, overwrite: bool = False) -> Path:
        """Give entry ``name`` the name ``new_name``; returns the new path."""
        src, dst = self._existing(name), self.path(new_name)
        if dst.exists() and not overwrite and not dst.samefile(src):
            raise LibraryError(f"the library already has a model named {dst.stem!r}")
        os.replace(src, dst)
        return dst

    def _existing(self, name: str) -> Path:
        path = self.path(name)
        if not path.is_file():
            raise LibraryError(f"the library has no model named {path.stem!r}")
        return path

    def _entry(self, path: Path) -> LibraryEntry:
        meta = _read_meta(path)
        try:
            cfg = config_from_meta(path, meta)
        except CheckpointError as exc:
            raise LibraryError(f"{path.name}: {str(exc).removeprefix(f'{path}: ')}") from None
        record = _record(path, meta, cfg)
        saved = (meta.get("extra") or {}).get("saved")  # a str: _record checked it
        return LibraryEntry(path.stem, saved or _file_date(path), path, record)


def _read_meta(path: Path) -> dict:
    """:func:`read_meta`, its errors said with the file's name only (as the library lists)."""
    if not zipfile.is_zipfile(path):  # said more plainly than zipfile would
        raise LibraryError(f"{path.name}: not a readable model file (not an .npz archive)")
    try:
        return read_meta(path)
    except CheckpointError as exc:
        raise LibraryError(f"{path.name}: {str(exc).removeprefix(f'{path}: ')}") from None


def _record(path: Path, meta: dict, config: TrainConfig | None) -> RunRecord:
    """The :class:`RunRecord` a model file describes; a model saved without one (File → Save
    model) gets what its history tells. :func:`read_meta` checked the architecture, history
    and extra; the run record inside extra is checked here (`LibraryError`)."""
    try:
        return _unchecked_record(path, meta, config)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise LibraryError(f"{path.name}: unreadable run record ({exc})") from None


def _unchecked_record(path: Path, meta: dict, config: TrainConfig | None) -> RunRecord:
    arch, history = meta["architecture"], tuple(meta.get("history") or ())
    saved = (meta.get("extra") or {}).get("saved")
    if saved is not None and not isinstance(saved, str):
        raise TypeError(f"saved is {saved!r}, expected an ISO date")
    run = (meta.get("extra") or {}).get("run") or {}
    if not isinstance(run, dict):
        raise TypeError(f"run is {type(run).__name__}, expected an object")
    if "metrics" in run:
        metrics = RunMetrics(**run["metrics"])
        for f in dataclasses.fields(metrics):
            value = getattr(metrics, f.name)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool)
                    or value is None and f.default is None):
                raise TypeError(f"metrics.{f.name} is {value!r}, expected a number")
    else:
        last = history[-1] if history else {}
        metrics = metrics_of(history, last.get("step") or 0, last.get("samples") or 0,
                             last.get("elapsed_s") or 0.0)
    curves = unpack_curves(run["curves"]) if run.get("curves") else None
    return RunRecord(int(run.get("run_id", 0)), path.stem, config, arch, history, metrics,
                     str(run.get("dataset", "")), str(run.get("created") or _file_date(path)),
                     curves)


def pack_curves(curves: dict, max_points: int = MAX_SAVED_POINTS) -> dict:
    """JSON-ready per-batch curves: each column's float64 bytes in base64 (exact, and ~5× more
    compact than a list of numbers). Longer than ``max_points``, they are halved as
    :class:`CurveBuffer` does (neighbouring pairs averaged; an odd last point kept) until
    they fit: the saved curve keeps its shape at a bounded size."""
    cols = {k: np.asarray(v, dtype="<f8") for k, v in curves.items()}
    while cols and len(next(iter(cols.values()))) > max_points:
        cols = {k: _halve(v) for k, v in cols.items()}
    return {k: {"shape": list(v.shape), "data": base64.b64encode(v.tobytes()).decode("ascii")}
            for k, v in cols.items()}


def _halve(a: np.ndarray) -> np.ndarray:
    even = len(a) - len(a) % 2
    merged = a[:even].reshape(even // 2, 2, *a.shape[1:]).mean(axis=1)
    return np.concatenate([merged, a[even:]])


def unpack_curves(packed: dict) -> dict:
    """Inverse of :func:`pack_curves`: frozen float64 arrays."""
    return {k: frozen(np.frombuffer(base64.b64decode(v["data"]), dtype="<f8").reshape(v["shape"]))
            for k, v in packed.items()}


def _file_date(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")


def _timestamp(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0
