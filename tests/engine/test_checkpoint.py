"""Saving and loading models: exact round trips, atomic writes, clear errors on bad files."""

import json
import os

import numpy as np
import pytest

from nnviz.engine.checkpoint import CheckpointError, load_model, read_meta, save_model
from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP


@pytest.fixture
def net():
    return MLP((12, 7, 5, 3), ["relu", "tanh"], init="xavier", seed=4)


def test_round_trip_is_bit_identical(tmp_path, net):
    cfg = TrainConfig(hidden=(7, 5), lr=0.003, epochs=2)
    history = [{"epoch": 1, "test_accuracy": 0.5, "val_loss": None}]
    path = save_model(tmp_path / "m.npz", net, cfg, history, extra={"dataset": "mnist"})
    ck = load_model(path)
    assert ck.net.sizes == net.sizes and ck.net.activation_names == ["relu", "tanh"]
    for key, p in net.parameters().items():
        q = ck.net.parameters()[key]
        assert q.dtype == p.dtype and np.array_equal(q, p), key
    assert ck.config == cfg and ck.history == history and ck.extra == {"dataset": "mnist"}
    x = np.random.default_rng(0).random((4, 12), dtype=np.float32)
    assert np.array_equal(ck.net.logits(x), net.logits(x))


def test_no_temporary_file_is_left_and_a_failed_write_keeps_the_old_file(tmp_path, net,
                                                                         monkeypatch):
    path = save_model(tmp_path / "m.npz", net)
    assert os.listdir(tmp_path) == ["m.npz"]
    good = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        save_model(path, MLP((3, 2), seed=1))
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["m.npz"]


def _write(path, **arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def _meta(sizes=(4, 3, 2), acts=("relu",)):
    return np.array(json.dumps({"format": "nnviz-model", "version": 1,
                                "architecture": {"sizes": list(sizes), "activations": list(acts)}}))


def _params(sizes=(4, 3, 2)):
    return {k: v.copy() for k, v in MLP(sizes, seed=0).parameters().items()}


@pytest.mark.parametrize("make, message", [
    (lambda p: p, "no such file"),
    (lambda p: (p.write_bytes(b"this is not a zip"), p)[1], "not a readable .npz"),
    (lambda p: _write(p, **_params()), "no 'meta' entry"),
    (lambda p: _write(p, meta=np.array("{not json"), **_params()), "not valid JSON"),
    (lambda p: _write(p, meta=np.array(json.dumps({"format": "other"})), **_params()),
     "not an nnviz model"),
    (lambda p: _write(p, meta=_meta(), **{**_params(), "W1": np.zeros((3, 5))}),
     r"W1 has shape \(3, 5\), expected \(3, 4\)"),
    (lambda p: _write(p, meta=_meta(), **{**_params(), "b2": np.array([np.nan, 0.0])}),
     "b2 holds NaN"),
    (lambda p: _write(p, meta=_meta(), **{**_params(), "b2": np.array([1, 2])}),
     "b2 has dtype int"),
    (lambda p: _write(p, meta=_meta(), W1=_params()["W1"]), "missing"),
    (lambda p: _write(p, meta=_meta((4, 3, 2), ("swish",)), **_params()), "bad architecture"),
    (lambda p: _write(p, meta=_meta(),
                      **{**_params(), "W1": np.array([object()] * 12).reshape(3, 4)}),
     "not a readable .npz"),
])
def test_bad_files_get_a_clear_error(tmp_path, make, message):
    path = make(tmp_path / "bad.npz")
    with pytest.raises(CheckpointError, match=message):
        load_model(path)


def test_newer_format_is_refused(tmp_path):
    meta = np.array(json.dumps({"format": "nnviz-model", "version": 99, "architecture": {}}))
    with pytest.raises(CheckpointError, match="newer nnviz"):
        load_model(_write(tmp_path / "new.npz", meta=meta))


# A process that imports once, then for each line on stdin forks a child saving a 2 MB model
# in a loop (each save all parameters = i, and extra {"i": i}) and prints the child's pid;
# when the test has SIGKILLed the child it reaps it and prints "reaped". Forking spares 30
# interpreter start-ups; every child is a real process killed mid-whatever.
SAVER = """
import os, sys
from nnviz.engine.checkpoint import save_model
from nnviz.engine.network import MLP
net = MLP((784, 512, 256, 10), seed=0, initialize=False)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        i = int(line)
        while True:
            i += 1
            net.theta[:] = i
            save_model(sys.argv[1], net, extra={"i": i})
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the saver forks its children (POSIX)")
def test_saves_killed_at_random_moments_leave_a_whole_model_and_no_litter(tmp_path):
    import random
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from nnviz.files.atomic import is_temp_file
    from nnviz.runs.library import RunLibrary

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1"}
    path, rng = tmp_path / "m.npz", random.Random(30)
    littered, last, kills = 0, 0, 0
    with subprocess.Popen([sys.executable, "-c", SAVER, str(path)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True, env=env) as saver:
        # 30 kills, and more until the last one leaves litter for the listing to sweep.
        while kills < 30 or not any(is_temp_file(p.name) for p in tmp_path.iterdir()):
            assert kills < 60, "no kill landed mid-save"
            kill, kills = kills, kills + 1
            saver.stdin.write(f"{1000 * kill}\n")
            saver.stdin.flush()
            pid = int(saver.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.15))
            os.kill(pid, signal.SIGKILL)
            assert saver.stdout.readline().strip() == "reaped"
            littered += any(is_temp_file(p.name) and p.name.startswith(f".m.npz.{pid}.")
                            for p in tmp_path.iterdir())
            if path.exists():  # the previous model or the new one, never half of one
                ck = load_model(path)
                i = ck.extra["i"]
                assert last <= i <= 1000 * kill + 999  # this round's save, or an earlier one
                assert all(np.all(p == np.float32(i)) for p in ck.net.parameters().values())
                last = i
        saver.stdin.close()
    assert path.exists() and littered >= 5, littered  # the kills did land mid-save
    (entry,) = RunLibrary(tmp_path).list()  # listing sweeps the killed saves' temp files
    assert entry.path == path and os.listdir(tmp_path) == ["m.npz"]
    print(f"{littered} of {kills} killed saves left a temporary file; none is left")


def _model(path, arch=None, arrays=None, **fields):
    """A model file of (4, 3, 2) with metadata ``fields`` on top of a valid one."""
    meta = {"format": "nnviz-model", "version": 1,
            "architecture": {"sizes": [4, 3, 2], "activations": ["relu"]} if arch is None else arch,
            **fields}
    return _write(path, meta=np.array(json.dumps(meta)), **{**_params(), **(arrays or {})})


@pytest.mark.parametrize("fields, message", [
    ({"version": "2"}, r'model format version is "2", expected an integer'),
    ({"version": None}, r"model format version is null, expected an integer"),
    ({"version": True}, r"model format version is true, expected an integer"),  # True == 1
    ({"version": 1.0}, r"model format version is 1.0, expected an integer"),
    ({"version": 0}, r"unknown model format version 0"),
    ({"config": [1, 2]}, r"'config' is a list, expected an object"),
    ({"history": "abc"}, r"'history' is a string, expected a list"),
    ({"extra": [1]}, r"'extra' is a list, expected an object"),
    ({"history": [5]}, r"history\[0\] is a number, expected an object"),
    ({"history": [{"epoch": 1}, {"step": "7"}]}, r'history\[1\]\.step is "7", expected a number'),
    ({"history": [{"grad_rms": [0.1, None]}]}, r"history\[0\]\.grad_rms is \[0\.1, null\], "
                                               r"expected a list of numbers"),
    ({"config": {"lr": "fast"}}, r'bad training configuration: lr is "fast", expected a finite '
                                 r"number"),
    ({"config": {"lr": float("inf")}}, r"lr is Infinity, expected a finite number"),
    ({"config": {"hidden": "abc"}}, r'hidden is "abc", expected a list of integers'),
    ({"config": {"hidden": [3.5]}}, r"hidden is \[3\.5\], expected a list of integers"),
    ({"config": {"epochs": 1.5}}, r"epochs is 1\.5, expected an integer"),
    ({"config": {"batch_size": True}}, r"batch_size is true, expected an integer"),
    ({"config": {"augmentation": "none"}}, r'augmentation is "none", expected an object'),
    ({"config": {"hidden": [3], "lr": -1}}, r"bad training configuration: learning rate must "),
])
def test_every_metadata_field_the_loader_reads_is_type_checked(tmp_path, fields, message):
    path = _model(tmp_path / "bad.npz", **fields)
    with pytest.raises(CheckpointError, match=message):
        load_model(path)


@pytest.mark.parametrize("arch, message", [
    ([4, 3, 2], r"bad architecture \(a list, expected an object"),
    ({"sizes": [4.5, 3, 2], "activations": ["relu"]}, r"sizes \[4\.5, 3, 2\]: expected a list of "
                                                      r"integers"),
    ({"sizes": ["4", "3", "2"], "activations": ["relu"]}, r"expected a list of integers"),
    ({"sizes": [4, True, 2], "activations": ["relu"]}, r"expected a list of integers"),
    ({"sizes": [4], "activations": []}, r"sizes \[4\]: expected 2 to 257 sizes, each ≥ 1"),
    ({"sizes": [4, 0, 2], "activations": ["relu"]}, r"expected 2 to 257 sizes, each ≥ 1"),
    ({"sizes": [2] * 300, "activations": ["relu"] * 298}, r"expected 2 to 257 sizes"),
    ({"sizes": [784, 10**9, 10], "activations": ["relu"]},
     r"sizes \[784, 1000000000, 10\] make 795,000,000,010 parameters, more than the 250,000,000"),
    ({"sizes": [10**7, 10**7], "activations": []}, r"100,000,010,000,000 parameters"),
    ({"sizes": [4, 3, 2], "activations": None}, r"activations null: expected a list of 1 name"),
    ({"sizes": [4, 3, 2], "activations": ["relu", "relu"]}, r"expected a list of 1 name"),
    ({"sizes": [4, 3, 2], "activations": ["swish"]}, r"unknown activation 'swish'"),
    ({"sizes": [4, 3, 2], "activations": ["relu"], "dtype": "object"},
     r'dtype "object": expected one of float32, float64'),
    ({"sizes": [4, 3, 2], "activations": ["relu"], "dtype": "uint8"}, r"expected one of float32"),
    ({"sizes": [4, 3, 2], "activations": ["relu"], "init_scale": "x"},
     r'init_scale "x": expected a number > 0'),
    ({"sizes": [4, 3, 2], "activations": ["relu"], "init_scale": -1}, r"expected a number > 0"),
    ({"sizes": [4, 3, 2], "activations": ["relu"], "init": "zeros"}, r"unknown initialiser"),
])
def test_architectures_are_checked_and_bounded_before_any_allocation(tmp_path, arch, message):
    path = _model(tmp_path / "bad.npz", arch=arch)
    with pytest.raises(CheckpointError, match=message):
        load_model(path)
    with pytest.raises(CheckpointError, match=message):
        read_meta(path)  # what the library lists from: checked the same


def _npy_declaring(shape, descr, body=b""):
    import io
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return stream.getvalue() + body


def _zip(path, members: dict[str, bytes]):
    import zipfile
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _members(path):
    import zipfile
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_weight_header_declaring_terabytes_is_refused_before_reading(tmp_path):
    members = _members(_model(tmp_path / "good.npz"))
    members["W1.npy"] = _npy_declaring((10**6, 10**6), "<f4", bytes(64))
    with pytest.raises(CheckpointError, match=r"W1 has shape \(1000000, 1000000\), expected "
                                              r"\(3, 4\)"):
        load_model(_zip(tmp_path / "huge.npz", members))
    members["W1.npy"] = _npy_declaring((3, 4), "<f8", bytes(40))  # 96 bytes declared
    with pytest.raises(CheckpointError, match=r"array 'W1' declares 3×4 float64 \(96 bytes\) "
                                              r"but holds only 40 bytes"):
        load_model(_zip(tmp_path / "short.npz", members))


@pytest.mark.parametrize("shape, descr, message", [
    ((10**9,), "<U10", r"array 'meta' declares 1000000000 <U10 \(40,000,000,000 bytes\) but "
                       r"holds only 8 bytes"),
    ((), "<U100000000000", r"not a valid dtype descriptor"),
    ((3,), "<f8", r"'meta' is a float64 array of shape \(3,\), expected one JSON string"),
])
def test_a_meta_header_declaring_too_much_or_the_wrong_kind_is_refused(tmp_path, shape, descr,
                                                                      message):
    members = _members(_model(tmp_path / "good.npz"))
    members["meta.npy"] = _npy_declaring(shape, descr, bytes(8 if descr == "<U10" else 24))
    with pytest.raises(CheckpointError, match=message):
        read_meta(_zip(tmp_path / "bad.npz", members))


def test_json_nested_too_deep_is_not_a_recursion_error(tmp_path):
    path = _write(tmp_path / "deep.npz", meta=np.array("[" * 100_000 + "]" * 100_000))
    with pytest.raises(CheckpointError, match="metadata is not valid JSON"):
        load_model(path)


def test_float64_weights_beyond_float32_are_refused_not_made_infinite(tmp_path):
    big = np.full((3, 4), 1e39)  # finite as float64, inf as the network's float32
    with pytest.raises(CheckpointError, match=r"W1 holds NaN or infinite values \(as float32\)"):
        load_model(_model(tmp_path / "big.npz", arrays={"W1": big}))
    arch = {"sizes": [4, 3, 2], "activations": ["relu"], "dtype": "float64"}
    ck = load_model(_model(tmp_path / "f64.npz", arch=arch, arrays={"W1": big}))
    assert ck.net.layers[0].W.max() == 1e39  # a float64 network holds them


def test_a_save_sweeps_the_temporary_files_of_killed_saves(tmp_path, net):
    import subprocess
    import sys

    from nnviz.files.atomic import TEMP_SUFFIX
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    (tmp_path / f".m.npz.{ended.pid}.x7y8z9{TEMP_SUFFIX}").write_bytes(b"PK half a model")
    save_model(tmp_path / "m.npz", net)
    assert os.listdir(tmp_path) == ["m.npz"]
