"""Saving and loading a model as ``.npz``: weights as arrays, everything else as JSON.

The file holds ``W1, b1, …`` and one string array ``meta`` with the architecture, the
training configuration and the history. It is written to a temporary file beside the
target and renamed over it (:mod:`nnviz.files.atomic`), so a crash never leaves half a model.

Loading trusts nothing in the file: every metadata field the loader reads is checked for its
type, the architecture is bounded (`MAX_PARAMETERS`, `MAX_LAYERS`) and each weight array's
header is compared with the shape the architecture implies *before* anything is allocated, so
a hostile or damaged file ends in one :class:`CheckpointError`, never in a ``MemoryError``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import zipfile
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import Any

import numpy as np

from nnviz import __version__
from nnviz.engine.activations import get_activation
from nnviz.engine.config import TrainConfig
from nnviz.engine.convnet import ConvNet, layer_shapes, parameter_shapes, spec_from_dict
from nnviz.engine.init import init_weights
from nnviz.engine.network import MLP
from nnviz.files.atomic import atomic_write
from nnviz.files.npz import NPZ_ERRORS, member_names, read_array, read_header
from nnviz.files.regular import NotRegularFile, open_regular

FORMAT = "nnviz-model"
FORMAT_VERSION = 2  # 1: an MLP's sizes and activations; 2: also any layer stack
# Sane bounds, checked before allocating: far above any network nnviz trains (the default
# preset has 235,146 parameters), far below what would exhaust a machine's memory.
MAX_PARAMETERS = 250_000_000  # 1 GB as float32
MAX_LAYERS = 256
MAX_META_BYTES = 64 << 20  # the JSON metadata as stored (4 bytes per character)
DTYPES = ("float32", "float64")
# History record fields: numbers (or null, e.g. no validation split), and lists of numbers.
_HISTORY_NUMBERS = ("epoch", "step", "samples", "train_loss", "train_accuracy", "lr", "elapsed_s",
                    "val_loss", "val_accuracy", "test_loss", "test_accuracy")
_HISTORY_LISTS = ("grad_rms", "inactive")


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
               history: list[dict] | None = None, extra: dict | None = None, *,
               wait: bool = True) -> Path:
    """Write ``net`` (and its config and history) to ``path`` atomically; return the path.

    Stale temporary files of earlier saves that were killed are swept from the folder; a
    device or FIFO is written into, ``wait`` as :func:`~nnviz.files.atomic.atomic_write`'s.
    Raises its `OutputError` (an `OSError` naming ``path``) when the file cannot be written.
    """
    path = Path(path)
    # An MLP keeps version 1, which every nnviz reads; a layer stack needs version 2.
    version = 2 if isinstance(net, ConvNet) else 1
    meta = {"format": FORMAT, "version": version, "nnviz": __version__,
            "architecture": net.architecture(),
            "config": config.to_dict() if config is not None else None,
            "history": history or [], "extra": extra or {}}
    # Any: numpy's stub would match **arrays against savez's allow_pickle.
    arrays: dict[str, Any] = {k: np.ascontiguousarray(v) for k, v in net.parameters().items()}
    arrays["meta"] = np.array(json.dumps(meta, allow_nan=True))
    with atomic_write(path, wait=wait) as stream:
        np.savez(stream, **arrays)
    return path


def load_model(path) -> Checkpoint:
    """Read and validate a model file written by :func:`save_model`.

    Raises
    ------
    CheckpointError
        Missing file, not a regular file (a FIFO is refused unread), not an npz, not an nnviz
        model, metadata of the wrong type or architecture beyond the bounds, or parameters
        that do not fit the stated architecture
        (wrong shape, dtype, or non-finite values).
    """
    path = Path(path)
    with _archive(path) as archive:
        meta = _read_meta(path, archive)
        params = _read_parameters(path, archive, meta["architecture"])
    try:
        kind = ConvNet if "layers" in meta["architecture"] else MLP
        net = kind.from_architecture(meta["architecture"], params)
    except (TypeError, KeyError, ValueError) as exc:  # _check_architecture lets none through
        raise CheckpointError(f"{path}: bad architecture ({exc})") from None
    config = config_from_meta(path, meta)
    return Checkpoint(net, config, list(meta.get("history") or []), dict(meta.get("extra") or {}))


def read_meta(path) -> dict:
    """Only the metadata of a model file (its weights are not read): enough to list it.

    Checked as :func:`load_model` checks it (the architecture too); raises
    :class:`CheckpointError` as :func:`load_model` does.
    """
    path = Path(path)
    with _archive(path) as archive:
        return _read_meta(path, archive)


@contextlib.contextmanager
def _archive(path: Path):
    """The open zip of ``path``; any way reading it fails becomes a `CheckpointError`."""
    try:
        with open_regular(path) as stream, zipfile.ZipFile(stream) as archive:
            yield archive
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file") from None
    except (IsADirectoryError, NotRegularFile) as exc:  # a FIFO would block for ever
        raise CheckpointError(f"{path}: {exc.strerror}; not read") from None
    except CheckpointError:
        raise
    except NPZ_ERRORS as exc:
        raise CheckpointError(f"{path}: not a readable .npz model file ({exc})") from None


def _read_meta(path: Path, archive: zipfile.ZipFile) -> dict:
    """The checked metadata: format, version, architecture, config, history and extra."""
    names = member_names(archive)
    if "meta" not in names:
        raise CheckpointError(f"{path}: not an nnviz model (no 'meta' entry)")
    raw = read_array(archive, names["meta"], MAX_META_BYTES)
    if raw.dtype.kind != "U" or raw.shape != ():
        raise CheckpointError(f"{path}: 'meta' is a {raw.dtype} array of shape {raw.shape}, "
                              "expected one JSON string")
    try:
        meta = json.loads(str(raw[()]))
    except (ValueError, RecursionError) as exc:  # RecursionError: [[[[…]]]] nested too deep
        raise CheckpointError(f"{path}: metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: metadata is not an object")
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an nnviz model (format {_short(meta.get('format'))})")
    version = meta.get("version", 1)
    _check_version(path, version)
    _check_architecture(path, meta.get("architecture"), version)
    for key, kind, name in (("config", dict, "an object"), ("history", list, "a list"),
                            ("extra", dict, "an object")):
        if meta.get(key) is not None and not isinstance(meta[key], kind):
            raise CheckpointError(f"{path}: '{key}' is {_json_type(meta[key])}, expected {name}")
    _check_history(path, meta.get("history") or [])
    return meta


def _check_version(path: Path, version) -> None:
    if type(version) is not int:  # not a bool either: True == 1 would pass for version 1
        raise CheckpointError(f"{path}: model format version is {_short(version)}, expected "
                              "an integer")
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{path}: written by a newer nnviz (model format "
                              f"{version}, this one reads up to {FORMAT_VERSION})")
    if version < 1:
        raise CheckpointError(f"{path}: unknown model format version {version}")


def _check_architecture(path: Path, arch, version: int = 1) -> None:
    """Check every field ``from_architecture`` reads, and the size, allocating nothing."""
    def bad(problem: str) -> CheckpointError:
        return CheckpointError(f"{path}: bad architecture ({problem})")

    if not isinstance(arch, dict):
        raise bad(f"{_json_type(arch)}, expected an object with 'sizes' and 'activations'")
    if "layers" in arch and version < 2:
        raise bad("a layer stack ('layers') needs model format version 2")
    names = _check_stack(bad, arch) if "layers" in arch else _check_sizes(bad, arch)
    if arch.get("dtype", "float32") not in DTYPES:
        raise bad(f"dtype {_short(arch.get('dtype'))}: expected one of {', '.join(DTYPES)}")
    scale = arch.get("init_scale", 1.0)
    if not (_is_number(scale) and math.isfinite(scale) and scale > 0):
        raise bad(f"init_scale {_short(scale)}: expected a number > 0")
    try:
        for name in names:
            get_activation(name)
        init_weights(arch.get("init", "he"), np.random.default_rng(0), 1, 1)
    except (TypeError, ValueError) as exc:  # an unknown name, or init that is not a string
        raise bad(str(exc)) from None


def _check_sizes(bad, arch: dict) -> list[str]:
    """An MLP (version 1): ``sizes`` and ``activations``, bounded; returns the activations."""
    sizes = arch.get("sizes")
    if not (isinstance(sizes, list) and all(type(s) is int for s in sizes)):
        raise bad(f"sizes {_short(sizes)}: expected a list of integers")
    if not 2 <= len(sizes) <= MAX_LAYERS + 1 or min(sizes) < 1:
        raise bad(f"sizes {_short(sizes)}: expected 2 to {MAX_LAYERS + 1} sizes, each ≥ 1")
    n_params = parameter_count(sizes)
    if n_params > MAX_PARAMETERS:
        raise bad(f"sizes {_short(sizes)} make {n_params:,} parameters, more than the "
                  f"{MAX_PARAMETERS:,} a model may have")
    names = arch.get("activations")
    names = [names] * (len(sizes) - 2) if isinstance(names, str) else names
    if not (isinstance(names, list) and all(isinstance(a, str) for a in names)
            and len(names) == len(sizes) - 2):
        raise bad(f"activations {_short(names)}: expected a list of {len(sizes) - 2} "
                  "name(s), one per hidden layer")
    return names


def _check_stack(bad, arch: dict) -> list[str]:
    """A layer stack (version 2): ``input_shape`` and ``layers`` checked, shapes and parameter
    count computed by arithmetic, before anything is allocated; returns its activations."""
    shape, layers = arch.get("input_shape"), arch.get("layers")
    if not (isinstance(shape, list) and len(shape) == 3 and all(type(s) is int for s in shape)):
        raise bad(f"input_shape {_short(shape)}: expected [height, width, channels]")
    if not (isinstance(layers, list) and 1 <= len(layers) <= MAX_LAYERS):
        raise bad(f"layers {_short(layers)}: expected a list of 1 to {MAX_LAYERS} layers")
    try:
        specs = [spec_from_dict(d) for d in layers]
        _, n_params = layer_shapes(shape, specs)
    except (TypeError, ValueError) as exc:
        raise bad(str(exc)) from None
    if n_params > MAX_PARAMETERS:
        raise bad(f"the layers make {n_params:,} parameters, more than the "
                  f"{MAX_PARAMETERS:,} a model may have")
    return [s.activation for s in specs if s.kind in ("conv", "dense")]


def parameter_count(sizes) -> int:
    """Weights and biases of an MLP with layer widths ``sizes``, computed without building it."""
    return sum(n_out * n_in + n_out for n_in, n_out in zip(sizes, sizes[1:]))


def _check_history(path: Path, history: list) -> None:
    """Each epoch record an object whose known fields are numbers (or null) / lists of them."""
    for i, record in enumerate(history):
        if not isinstance(record, dict):
            raise CheckpointError(f"{path}: history[{i}] is {_json_type(record)}, expected an "
                                  "object")
        for key in _HISTORY_NUMBERS:
            value = record.get(key)
            if value is not None and not _is_number(value):
                raise CheckpointError(f"{path}: history[{i}].{key} is {_short(value)}, "
                                      "expected a number")
        for key in _HISTORY_LISTS:
            value = record.get(key)
            if value is not None and not (isinstance(value, list)
                                          and all(_is_number(v) for v in value)):
                raise CheckpointError(f"{path}: history[{i}].{key} is {_short(value)}, "
                                      "expected a list of numbers")


def _read_parameters(path: Path, archive: zipfile.ZipFile, arch: dict) -> dict[str, np.ndarray]:
    """``W1, b1, …`` checked against the shapes ``arch`` implies, each before it is read."""
    dtype = np.dtype(arch.get("dtype", "float32"))
    shapes: dict[str, tuple[int, ...]]
    if "layers" in arch:  # a stack _check_stack accepted
        specs = [spec_from_dict(d) for d in arch["layers"]]
        shapes = parameter_shapes(arch["input_shape"], specs)
    else:
        sizes, shapes = arch["sizes"], {}
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), 1):
            shapes[f"W{i}"], shapes[f"b{i}"] = (n_out, n_in), (n_out,)
    names = member_names(archive)
    names.pop("meta")
    missing, unknown = set(shapes) - set(names), set(names) - set(shapes)
    if missing or unknown:
        raise CheckpointError(f"{path}: parameters do not match the architecture "
                              f"(missing {sorted(missing)}, unexpected {sorted(unknown)})")
    params = {}
    for key, shape in shapes.items():
        header = read_header(archive, names[key])
        if header.shape != shape:
            raise CheckpointError(f"{path}: {key} has shape {header.shape}, expected {shape}")
        if header.dtype.kind != "f":
            raise CheckpointError(f"{path}: {key} has dtype {header.dtype}, expected a float "
                                  "type")
        stored = read_array(archive, names[key], prod(shape) * header.dtype.itemsize)
        with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf: caught
            params[key] = stored.astype(dtype)
        if not np.all(np.isfinite(params[key])):
            raise CheckpointError(f"{path}: {key} holds NaN or infinite values (as {dtype})")
    return params


def config_from_meta(path, meta: dict) -> TrainConfig | None:
    """The training configuration of checked metadata (each field of the type its default
    has); None if the model was saved without one. Raises :class:`CheckpointError`."""
    raw = meta.get("config")
    if not raw:
        return None
    defaults = TrainConfig()
    for key, value in raw.items():
        if hasattr(defaults, key) and not _like(getattr(defaults, key), value, key):
            raise CheckpointError(f"{path}: bad training configuration: {key} is "
                                  f"{_short(value)}, expected {_kind_text(getattr(defaults, key))}")
    try:
        return TrainConfig.from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: bad training configuration: {exc}") from None


def _like(default, value, key: str) -> bool:
    """Whether JSON ``value`` can stand for a field whose default is ``default``."""
    if key == "activation":  # one name, or one per hidden layer
        return isinstance(value, str) or (isinstance(value, list)
                                          and all(isinstance(v, str) for v in value))
    if isinstance(default, tuple):
        return isinstance(value, list) and all(type(v) is int for v in value)
    if dataclasses.is_dataclass(default):
        return isinstance(value, dict)
    if isinstance(default, float):
        return _is_number(value) and math.isfinite(value)
    return type(value) is type(default)  # str, int (a bool is not an int here)


def _kind_text(default) -> str:
    if isinstance(default, tuple):
        return "a list of integers"
    if dataclasses.is_dataclass(default):
        return "an object"
    return {str: "a string", int: "an integer", float: "a finite number"}[type(default)]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_type(value) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _short(value, limit: int = 60) -> str:
    """``value`` as JSON, cut to ``limit`` characters: a hostile value may be megabytes long."""
    text = json.dumps(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
