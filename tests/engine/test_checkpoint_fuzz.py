"""Hostile model files: the loader, ``read_meta`` and the library's listing end in a valid
model or their own error (`CheckpointError`, `LibraryError`), never in another exception.

Files are spoiled as bytes (random, cut at any offset, bytes changed in the zip and ``.npy``
headers or anywhere), and as content: any JSON value in place of any field the loader reads,
and arrays of any dtype and shape in place of the weights.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnviz.engine.checkpoint import CheckpointError, load_model, read_meta
from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP
from nnviz.runs.library import LibraryError, RunLibrary
from nnviz.runs.record import RunMetrics, RunRecord

FUZZ = settings(max_examples=100, deadline=None, database=None)
# A failing example of a few-kB file has a long repr; Hypothesis warns of it (an error here).
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

NET = MLP((6, 4, 3), ["tanh"], seed=1)
CONFIG = TrainConfig(hidden=(4,), activation="tanh", epochs=2, batch_size=8)
HISTORY = [{"epoch": 1, "step": 5, "samples": 40, "train_loss": 1.2, "train_accuracy": 0.4,
            "lr": 0.001, "elapsed_s": 0.1, "val_loss": None, "val_accuracy": None,
            "test_loss": 1.1, "test_accuracy": 0.5, "grad_rms": [0.1, 0.2], "inactive": [0.0]}]
RECORD = RunRecord(3, "fuzz", CONFIG, NET.architecture(), tuple(HISTORY),
                   RunMetrics(0.5, 1.1, 1.2, 1, 5, 40, 0.1), "blocks", "2024-01-02T03:04:05",
                   {"step": np.arange(4.0), "loss": np.linspace(2, 1, 4)})


class ModelBytes(bytes):
    """A model file's bytes, shown short in a falsifying example (they are the start point)."""

    def __repr__(self) -> str:
        return f"<the {len(self):,} bytes of a valid model file>"


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> bytes:
    """The bytes of a library entry (a model file with a run record, as the GUI saves)."""
    lib = RunLibrary(tmp_path_factory.mktemp("valid"))
    return ModelBytes(lib.save("fuzz", NET, RECORD).path.read_bytes())


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def header_offsets(data: bytes) -> list[int]:
    """Offsets of each member's zip and .npy headers, and of the central directory."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offsets = set(range(archive.start_dir, len(data)))
        for info in archive.infolist():
            offsets.update(range(info.header_offset, info.header_offset + 30 + 160))
    return sorted(o for o in offsets if o < len(data))


@st.composite
def spoiled(draw, valid: bytes) -> bytes:
    kind = draw(st.sampled_from(["random", "cut", "header", "anywhere"]))
    if kind == "random":
        return draw(st.binary(max_size=3000))
    if kind == "cut":
        return valid[: draw(st.integers(0, len(valid)))]
    data = bytearray(valid)
    where = header_offsets(valid) if kind == "header" else range(len(valid))
    for _ in range(draw(st.integers(1, 4))):
        data[draw(st.sampled_from(where))] = draw(st.integers(0, 255))
    return bytes(data)


def check_loaded(path: Path) -> None:
    """`load_model` gives a consistent model or a `CheckpointError`."""
    try:
        ck = load_model(path)
    except CheckpointError:
        return
    arch = read_meta(path)["architecture"]
    assert ck.net.sizes == tuple(arch["sizes"])
    assert all(np.isfinite(p).all() for p in ck.net.parameters().values())
    assert isinstance(ck.history, list) and isinstance(ck.extra, dict)


def check_library(folder: Path, name: str) -> None:
    """Listing never raises; the entry is listed or named in ``problems``; loading it gives the
    model or a `LibraryError`."""
    lib = RunLibrary(folder)
    entries = lib.list()
    assert len(entries) + len(lib.problems) == 1
    assert not lib.problems or lib.problems[0].startswith(f"{name}.npz: ")
    try:
        net, record = lib.load(name)
    except LibraryError:
        return
    assert record.name == name and net.sizes == tuple(record.architecture["sizes"])


@FUZZ
@given(data=st.data())
def test_spoiled_bytes(valid, scratch, data):
    folder = scratch / "bytes"
    folder.mkdir(exist_ok=True)
    path = folder / "m.npz"
    path.write_bytes(data.draw(spoiled(valid)))
    check_loaded(path)
    check_library(folder, "m")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6)
DELETE = object()
# Every field the loader and the library read, and a few levels above them.
FIELDS = [(), ("format",), ("version",), ("architecture",), ("architecture", "sizes"),
          ("architecture", "sizes", 1), ("architecture", "activations"),
          ("architecture", "activations", 0), ("architecture", "init"),
          ("architecture", "init_scale"), ("architecture", "dtype"), ("config",),
          ("config", "hidden"), ("config", "activation"), ("config", "lr"), ("config", "epochs"),
          ("config", "augmentation"), ("config", "augmentation", "noise_std"), ("history",),
          ("history", 0), ("history", 0, "step"), ("history", 0, "test_accuracy"),
          ("history", 0, "grad_rms"), ("extra",), ("extra", "saved"), ("extra", "run"),
          ("extra", "run", "run_id"), ("extra", "run", "metrics"),
          ("extra", "run", "metrics", "test_accuracy"), ("extra", "run", "metrics", "steps"),
          ("extra", "run", "curves"), ("extra", "run", "curves", "loss"),
          ("extra", "run", "curves", "loss", "shape"), ("extra", "run", "created")]


def replaced(meta, field: tuple, value):
    if not field:
        return value
    meta = copy.deepcopy(meta)
    *parents, last = field
    node = meta
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return meta


def rewrite(valid: bytes, path: Path, meta=None, arrays: dict | None = None) -> None:
    with np.load(io.BytesIO(valid)) as npz:
        members = {key: npz[key] for key in npz.files}
    if meta is not None:
        members["meta"] = np.array(json.dumps(meta))
    members.update(arrays or {})
    with open(path, "wb") as stream:
        np.savez(stream, **members)


@FUZZ
@given(field=st.sampled_from(FIELDS), value=st.one_of(JSON, st.just(DELETE)))
def test_any_json_in_any_field(valid, scratch, field, value):
    folder = scratch / "json"
    folder.mkdir(exist_ok=True)
    with np.load(io.BytesIO(valid)) as npz:
        meta = json.loads(str(npz["meta"]))
    if value is DELETE and not field:
        value = None
    path = folder / "m.npz"
    rewrite(valid, path, meta=replaced(meta, field, value))
    check_loaded(path)
    check_library(folder, "m")


WEIGHT_DTYPES = st.sampled_from(["f2", ">f4", "f4", "f8", "i4", "u1", "c8", "?", "U2"])
WEIGHT_SHAPES = st.one_of(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=7),
                          st.sampled_from([(4, 6), (4,), (3, 4), (3,)]))


@FUZZ
@given(arrays=st.dictionaries(st.sampled_from(["W1", "b1", "W2", "b2", "W3", "extra"]),
                              hnp.arrays(WEIGHT_DTYPES, WEIGHT_SHAPES), min_size=1))
def test_weights_of_any_dtype_and_shape(valid, scratch, arrays):
    folder = scratch / "weights"
    folder.mkdir(exist_ok=True)
    path = folder / "m.npz"
    rewrite(valid, path, arrays=arrays)
    check_loaded(path)
    check_library(folder, "m")


def npy_declaring(shape: tuple, descr: str, body: bytes) -> bytes:
    """An .npy member whose header declares ``shape`` of ``descr``, followed by ``body``."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return stream.getvalue() + body


@FUZZ
@given(key=st.sampled_from(["meta", "W1", "b1", "W2", "b2"]),
       shape=st.lists(st.integers(0, 10**12), max_size=3).map(tuple),
       descr=st.sampled_from(["<f4", ">f8", "<U100000000000", "<U1000", "|u1", "|V0"]))
def test_headers_declaring_any_size(valid, scratch, key, shape, descr):
    folder = scratch / "declared"
    folder.mkdir(exist_ok=True)
    path = folder / "m.npz"
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            member = source.read(info)
            if info.filename == f"{key}.npy":  # the same data behind a header that lies
                member = npy_declaring(shape, descr, member[128:])
            target.writestr(info.filename, member)
    check_loaded(path)
    check_library(folder, "m")


def test_the_valid_file_loads_and_lists(valid, scratch):
    """The properties above start from a file that passes, not from one refused anyway."""
    folder = scratch / "valid"
    folder.mkdir()
    (folder / "m.npz").write_bytes(valid)
    ck = load_model(folder / "m.npz")
    assert ck.net.sizes == (6, 4, 3) and ck.config == CONFIG and ck.history == HISTORY
    (entry,) = RunLibrary(folder).list()
    assert entry.record.metrics.test_accuracy == 0.5 and entry.record.dataset == "blocks"
