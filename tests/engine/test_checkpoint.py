"""Saving and loading models: exact round trips, atomic writes, clear errors on bad files."""

import json
import os

import numpy as np
import pytest

from nnviz.engine.checkpoint import CheckpointError, load_model, save_model
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


def test_no_temporary_file_is_left_and_a_failed_write_keeps_the_old_file(tmp_path, net, monkeypatch):
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
    (lambda p: _write(p, meta=np.array(json.dumps({"format": "other"})), **_params()), "not an nnviz model"),
    (lambda p: _write(p, meta=_meta(), **{**_params(), "W1": np.zeros((3, 5))}), r"W1 has shape \(3, 5\), expected \(3, 4\)"),
    (lambda p: _write(p, meta=_meta(), **{**_params(), "b2": np.array([np.nan, 0.0])}), "b2 holds NaN"),
    (lambda p: _write(p, meta=_meta(), **{**_params(), "b2": np.array([1, 2])}), "b2 has dtype int"),
    (lambda p: _write(p, meta=_meta(), W1=_params()["W1"]), "missing"),
    (lambda p: _write(p, meta=_meta((4, 3, 2), ("swish",)), **_params()), "bad architecture"),
    (lambda p: _write(p, meta=_meta(), **{**_params(), "W1": np.array([object()] * 12).reshape(3, 4)}),
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
