"""Checkpoint format version 2: any layer stack saved and loaded exactly; version-1 files as
before; a hostile stack refused before anything is allocated."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.engine.checkpoint import CheckpointError, load_model, read_meta, save_model
from nnviz.engine.config import TrainConfig
from nnviz.engine.convnet import ConvNet
from nnviz.engine.network import MLP
from nnviz.runs.record import architecture_text

ARCH = "conv4k3,maxpool2,conv3k3s2valid,avgpool1,flatten,dense5:tanh,dense3"


@pytest.fixture
def net():
    net = ConvNet((8, 8, 2), ARCH, seed=4)
    net.theta += np.linspace(-0.1, 0.1, net.theta.size, dtype=np.float32)  # non-zero biases
    return net


def _meta(path):
    with np.load(path) as npz:
        return json.loads(str(npz["meta"]))


def _rewrite(path, meta=None, arrays=None, out=None):
    with np.load(path) as npz:
        members = {k: npz[k] for k in npz.files}
    if meta is not None:
        members["meta"] = np.array(json.dumps(meta))
    members.update(arrays or {})
    out = out or path
    with open(out, "wb") as stream:
        np.savez(stream, **members)
    return out


def test_a_cnn_round_trips_bit_identical(tmp_path, net):
    cfg = TrainConfig(arch=ARCH, epochs=1)
    path = save_model(tmp_path / "cnn.npz", net, cfg, [{"epoch": 1, "test_accuracy": 0.5}])
    meta = _meta(path)
    assert meta["version"] == 2
    assert meta["architecture"]["input_shape"] == [8, 8, 2]
    assert meta["architecture"]["layers"][0] == {"kind": "conv", "units": 4, "kernel": 3,
                                                 "stride": 1, "padding": "same",
                                                 "activation": "relu"}
    ck = load_model(path)
    assert isinstance(ck.net, ConvNet) and ck.net.arch_text == net.arch_text
    assert ck.net.specs[5].activation == "tanh"
    np.testing.assert_array_equal(ck.net.theta, net.theta)
    x = np.random.default_rng(0).random((4, 128), dtype=np.float32)
    np.testing.assert_array_equal(ck.net.logits(x), net.logits(x))
    assert ck.config.arch == ARCH
    assert architecture_text(read_meta(path)["architecture"]) == (
        "8×8×2 conv4k3,pool2,conv3k3s2valid,avgpool1,flatten,dense5,dense3")


def test_an_mlp_is_still_written_as_version_1_and_loads_as_before(tmp_path):
    mlp = MLP((6, 4, 3), ["tanh"], seed=1)
    path = save_model(tmp_path / "mlp.npz", mlp)
    assert _meta(path)["version"] == 1 and "layers" not in _meta(path)["architecture"]
    ck = load_model(path)
    assert isinstance(ck.net, MLP) and ck.net.sizes == (6, 4, 3)
    np.testing.assert_array_equal(ck.net.theta, mlp.theta)
    # A version-1 file written without a version number still reads as version 1.
    meta = _meta(path)
    del meta["version"]
    assert isinstance(load_model(_rewrite(path, meta)).net, MLP)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(input_shape=[8, 8]), r"input_shape \[8, 8\]: expected \[height"),
    (lambda a: a.update(input_shape=[8, 8, 2.0]), r"expected \[height, width, channels\]"),
    (lambda a: a.update(input_shape=[10**9, 8, 2]), r"each 1…4096"),
    (lambda a: a.update(layers=[]), r"layers \[\]: expected a list of 1 to 256 layers"),
    (lambda a: a.update(layers=[{"kind": "flatten"}] * 300), r"expected a list of 1 to 256"),
    (lambda a: a["layers"].__setitem__(0, {"kind": "lstm"}), r"kind is one of conv, pool"),
    (lambda a: a["layers"][0].update(units="4"), r"layer field units must be an integer"),
    (lambda a: a["layers"][0].update(units=True), r"must be an integer"),
    (lambda a: a["layers"][0].update(colour=1), r"unknown layer field\(s\) colour"),
    (lambda a: a["layers"][0].update(kernel=9), r"layer 1 \(conv4k9\): a 9×9 kernel is larger"),
    (lambda a: a["layers"][0].update(units=10**6), r"layer 1 .*filters must be 1…4096"),
    (lambda a: a["layers"][1].update(size=0), r"layer 2 \(pool0\): pooling needs a size ≥ 1"),
    (lambda a: a["layers"][1].update(size=3), r"layer 2 \(pool3\): 3×3 pooling needs sides"),
    (lambda a: a["layers"].pop(4), r"layer 5 \(dense5\): a dense layer needs a vector"),
    (lambda a: (a["layers"][2].update(units=4096), a["layers"][-2].update(units=2**20)),
     r"4,299,313,231 parameters, more than the 250,000,000 a model may have"),
    (lambda a: a["layers"][0].update(activation="swish"), r"unknown activation 'swish'"),
    (lambda a: a.update(dtype="float16"), r"expected one of float32, float64"),
])
def test_a_hostile_stack_is_refused_before_allocating(tmp_path, net, change, message):
    path = save_model(tmp_path / "cnn.npz", net)
    meta = _meta(path)
    change(meta["architecture"])
    _rewrite(path, meta)
    for read in (load_model, read_meta):
        with pytest.raises(CheckpointError, match=message):
            read(path)


def test_a_stack_in_a_version_1_file_is_refused(tmp_path, net):
    path = save_model(tmp_path / "cnn.npz", net)
    meta = _meta(path)
    meta["version"] = 1
    with pytest.raises(CheckpointError, match=r"needs model format version 2"):
        load_model(_rewrite(path, meta))


@pytest.mark.parametrize("arrays, message", [
    ({"W1": np.zeros((4, 3, 3, 1), np.float32)}, r"W1 has shape \(4, 3, 3, 1\), expected "
                                                 r"\(4, 3, 3, 2\)"),
    ({"W1": np.zeros((4, 18), np.float32)}, r"W1 has shape \(4, 18\)"),
    ({"W3": np.full((5, 3), np.nan, np.float32)}, r"W3 holds NaN"),
    ({"W9": np.zeros(1)}, r"unexpected \['W9'\]"),
])
def test_weights_must_fit_the_stack(tmp_path, net, arrays, message):
    path = save_model(tmp_path / "cnn.npz", net)
    with pytest.raises(CheckpointError, match=message):
        load_model(_rewrite(path, arrays=arrays))


def test_a_kernel_header_declaring_terabytes_is_refused_before_reading(tmp_path, net):
    path = save_model(tmp_path / "cnn.npz", net)
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**6, 10**6, 3, 2)})
    members["W1.npy"] = stream.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(CheckpointError, match=r"W1 has shape \(1000000, 1000000, 3, 2\)"):
        load_model(path)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6)
FIELDS = [("input_shape",), ("input_shape", 0), ("input_shape", 2), ("layers",),
          ("layers", 0), ("layers", 0, "units"), ("layers", 0, "kernel"), ("layers", 0, "stride"),
          ("layers", 0, "padding"), ("layers", 0, "kind"), ("layers", 1, "size"),
          ("layers", 1, "mode"), ("layers", 5, "units"), ("layers", 5, "activation")]


@settings(max_examples=150, deadline=None, database=None)
@given(field=st.sampled_from(FIELDS), value=JSON)
def test_any_json_in_any_field_of_a_stack(tmp_path_factory, field, value):
    """A valid model or a `CheckpointError`, never another exception."""
    folder = tmp_path_factory.mktemp("json")
    net = ConvNet((8, 8, 2), ARCH, seed=4)
    path = save_model(folder / "cnn.npz", net)
    meta = _meta(path)
    node = meta["architecture"]
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value
    _rewrite(path, meta)
    try:
        ck = load_model(path)
    except CheckpointError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(ck.net, ConvNet)
    assert all(np.isfinite(p).all() for p in ck.net.parameters().values())
