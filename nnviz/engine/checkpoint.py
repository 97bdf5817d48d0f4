"""Saving and loading a model as ``.npz``: weights as arrays, everything else as JSON.

The file holds ``W1, b1, …`` and one string array ``meta`` with the architecture, the
training configuration and the history. It is written to a temporary file beside the
target and renamed over it, so a crash never leaves half a model; it is read with
``allow_pickle=False`` and checked (keys, shapes, dtypes, finite values) before use.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnviz import __version__
from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP

FORMAT = "nnviz-model"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A model file that cannot be read; the message names the file and the problem."""


@dataclass
class Checkpoint:
    """A loaded model: the network, its training configuration and per-epoch history."""

    net: MLP
    config: TrainConfig | None = None
    history: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def save_model(path, net: MLP, config: TrainConfig | None = None,
               history: list[dict] | None = None, extra: dict | None = None) -> Path:
    """Write ``net`` (and its config and history) to ``path`` atomically; return the path."""
    path = Path(path)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "nnviz": __version__,
            "architecture": net.architecture(),
            "config": config.to_dict() if config is not None else None,
            "history": history or [], "extra": extra or {}}
    arrays = {k: np.ascontiguousarray(v) for k, v in net.parameters().items()}
    arrays["meta"] = np.array(json.dumps(meta, allow_nan=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_model(path) -> Checkpoint:
    """Read and validate a model file written by :func:`save_model`.

    Raises
    ------
    CheckpointError
        Missing file, not an npz, not an nnviz model, or parameters that do not fit the
        stated architecture (wrong shape, dtype, or non-finite values).
    """
    path = Path(path)
    arrays = _read_arrays(path)
    meta = _read_meta(path, arrays.pop("meta", None))
    net = _build_net(path, meta.get("architecture"))
    _check_parameters(path, net, arrays)
    net.set_parameters(arrays)
    try:
        config = TrainConfig.from_dict(meta["config"]) if meta.get("config") else None
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: bad training configuration: {exc}") from None
    return Checkpoint(net, config, list(meta.get("history") or []), dict(meta.get("extra") or {}))


def read_meta(path) -> dict:
    """Only the metadata of a model file (its weights are not read): enough to list it.
    Raises :class:`CheckpointError` as :func:`load_model` does."""
    path = Path(path)
    return _read_meta(path, _read_arrays(path, only="meta").get("meta"))


def _read_arrays(path: Path, only: str | None = None) -> dict[str, np.ndarray]:
    """Every array of the npz at ``path``, or just the one named ``only`` (if present)."""
    try:
        # Our own handle: np.load leaks the one it opens when the zip is corrupt.
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files if only is None or k == only}
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise CheckpointError(f"{path}: not a readable .npz model file ({exc})") from None


def _read_meta(path: Path, raw) -> dict:
    if raw is None:
        raise CheckpointError(f"{path}: not an nnviz model (no 'meta' entry)")
    try:
        meta = json.loads(str(raw))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an nnviz model (format {meta.get('format')!r})"
                              if isinstance(meta, dict) else f"{path}: metadata is not an object")
    if meta.get("version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{path}: written by a newer nnviz (model format "
                              f"{meta['version']}, this one reads up to {FORMAT_VERSION})")
    return meta


def _build_net(path: Path, arch) -> MLP:
    try:
        return MLP.from_architecture(arch)
    except (TypeError, KeyError, ValueError) as exc:
        raise CheckpointError(f"{path}: bad architecture {arch!r} ({exc})") from None


def _check_parameters(path: Path, net: MLP, arrays: dict) -> None:
    own = net.parameters()
    missing, unknown = set(own) - set(arrays), set(arrays) - set(own)
    if missing or unknown:
        raise CheckpointError(f"{path}: parameters do not match the architecture "
                              f"(missing {sorted(missing)}, unexpected {sorted(unknown)})")
    for key, want in own.items():
        arr = arrays[key]
        if arr.shape != want.shape:
            raise CheckpointError(f"{path}: {key} has shape {arr.shape}, expected {want.shape}")
        if arr.dtype.kind != "f":
            raise CheckpointError(f"{path}: {key} has dtype {arr.dtype}, expected a float type")
        if not np.all(np.isfinite(arr)):
            raise CheckpointError(f"{path}: {key} holds NaN or infinite values")
