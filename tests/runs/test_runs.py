"""Runs and the model library: records follow snapshots, the library round-trips exactly."""

import json
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from nnviz.datasets import Dataset
from nnviz.engine.checkpoint import save_model
from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP
from nnviz.engine.snapshot import CurveBuffer, frozen, take_snapshot
from nnviz.engine.training import Trainer, make_network
from nnviz.runs.library import (
    LibraryError,
    RunLibrary,
    check_name,
    pack_curves,
    unpack_curves,
)
from nnviz.runs.record import (
    RunRecord,
    RunRecorder,
    architecture_text,
    compare,
    metrics_of,
    snapshot_network,
)


def small_data(seed=0) -> Dataset:
    """60 training and 20 test 8×8 images, class k a bright pixel block at place k."""
    rng = np.random.default_rng(seed)

    def make(n):
        y = np.arange(n) % 3
        x = rng.random((n, 64)).astype(np.float32) * 0.2
        for i, k in enumerate(y):
            x[i, 8 * k: 8 * k + 16] = 0.9
        return x, y.astype(np.int64)

    (xt, yt), (xs, ys) = make(60), make(20)
    return Dataset(name="blocks", class_names=("a", "b", "c"), x_train=xt, y_train=yt,
                   x_val=xt[:0], y_val=yt[:0], x_test=xs, y_test=ys, image_shape=(8, 8), source="t")


class Clock:
    """A clock that moves one minute per call (saves get distinct, ordered dates)."""

    def __init__(self):
        self.t = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self):
        self.t += timedelta(minutes=1)
        return self.t


def run(data, config, run_id, steps):
    """Train ``steps`` batches; yield a snapshot after every batch, as the worker sends them."""
    trainer = Trainer(make_network(config, 64, 3), data, config)
    initial = tuple(frozen(L.W) for L in trainer.net.layers)
    curves = CurveBuffer(len(trainer.net.layers))
    for _ in range(steps):
        r = trainer.step()
        curves.append(r.step, r.loss, r.accuracy, r.lr, r.grad_rms)
        yield take_snapshot(trainer, curves, initial, run_id)


CONFIGS = [TrainConfig(hidden=(8,), batch_size=20, epochs=50, lr=0.01, init="xavier"),
           TrainConfig(hidden=(8,), batch_size=20, epochs=50, lr=0.003, activation="tanh"),
           TrainConfig(hidden=(12, 6), batch_size=20, epochs=50, lr=0.01,
                       activation=("relu", "tanh"))]


@pytest.fixture(scope="module")
def recorded():
    """Three runs of 7, 9 and 6 batches (3 batches an epoch): (recorder, last snapshots)."""
    data = small_data()
    recorder = RunRecorder("blocks", now=Clock())
    last = {}
    for run_id, (cfg, steps) in enumerate(zip(CONFIGS, (7, 9, 6)), start=1):
        for snap in run(data, cfg, run_id, steps):
            recorder.update(snap)
            last[run_id] = snap
    return recorder, last


def net_of(snap, record):
    net = snapshot_network(snap, record)
    assert net.architecture() == record.architecture
    assert all(np.array_equal(L.W, M.W) and np.array_equal(L.b, M.b)
               for L, M in zip(snap.layers, net.layers))
    return net


def test_recorder_keeps_one_record_per_run_with_the_last_snapshots_numbers(recorded):
    recorder, last = recorded
    records = recorder.records()
    assert [r.run_id for r in records] == [1, 2, 3]
    assert [r.name for r in records] == ["run 1", "run 2", "run 3"]
    for r in records:
        snap = last[r.run_id]
        assert r.config == snap.config and r.dataset == "blocks"
        assert r.history == snap.history and len(r.history) == snap.step // 3
        m = r.metrics
        assert (m.steps, m.samples, m.elapsed_s) == (snap.step, snap.samples_seen, snap.elapsed_s)
        assert m.epochs == len(snap.history)
        assert m.test_accuracy == snap.history[-1]["test_accuracy"]
        assert m.test_loss == snap.history[-1]["test_loss"]
        np.testing.assert_array_equal(r.curves["loss"], snap.curves["loss"])
    assert records[0].architecture == {"sizes": [64, 8, 3], "activations": ["relu"],
                                       "init": "xavier", "init_scale": 1.0, "dtype": "float32"}
    assert records[2].architecture_text == "64-12-6-3 ReLU/tanh"
    # Created once per run (the clock moves on every call), kept through later snapshots.
    assert [r.created for r in records] == ["2024-05-01T12:01:00+00:00",
                                            "2024-05-01T12:02:00+00:00",
                                            "2024-05-01T12:03:00+00:00"]


def test_recorder_ignores_repeats_and_untrained_networks():
    data = small_data()
    recorder = RunRecorder()
    snaps = list(run(data, CONFIGS[0], 5, 2))
    assert recorder.update(snaps[0]) is not None
    assert recorder.update(snaps[0]) is None  # same step again: nothing to do
    assert recorder.update(snaps[1]).metrics.steps == 2
    trainer = Trainer(make_network(CONFIGS[0], 64, 3), data, CONFIGS[0])
    fresh = take_snapshot(trainer, CurveBuffer(2), (None, None), run_id=6)
    assert recorder.update(fresh) is None and [r.run_id for r in recorder.records()] == [5]
    recorder.rename(5, "mine")
    assert recorder.update(snaps[1]) is None and recorder.get(5).name == "mine"
    recorder.forget(5)
    assert recorder.records() == []


def test_save_list_load_round_trip_exactly(tmp_path, recorded):
    recorder, last = recorded
    lib = RunLibrary(tmp_path, now=Clock())
    for r in recorder.records():
        lib.save(f"model {r.run_id}", net_of(last[r.run_id], r), r)
    entries = lib.list()
    assert [e.name for e in entries] == ["model 3", "model 2", "model 1"]  # newest first
    assert lib.problems == []
    e = entries[-1]
    assert e.architecture == "64-8-3 ReLU" and e.date == "2024-05-01T12:01:00.000000+00:00"
    assert e.accuracy == recorder.get(1).metrics.test_accuracy
    assert e.path == tmp_path / "model 1.npz"
    for r in recorder.records():
        net, loaded = lib.load(f"model {r.run_id}")
        snap = last[r.run_id]
        want = net_of(snap, r)
        assert net.theta.dtype == want.theta.dtype and np.array_equal(net.theta, want.theta)
        assert loaded == r.replace(name=f"model {r.run_id}")  # config, history, metrics, dates
        assert loaded.config == r.config and loaded.history == r.history
        for key, arr in snap.curves.items():
            assert np.array_equal(loaded.curves[key], arr), key
        listed = next(x for x in entries if x.name == loaded.name).record
        assert listed == loaded  # the listing reads the same record without the weights
    series, rows = compare([lib.load(f"model {i}")[1] for i in (1, 2, 3)])
    series0, rows0 = compare(recorder.records())
    assert rows == rows0
    for a, b in zip(series, series0):
        assert np.array_equal(a.epoch, b.epoch)
        for key in a.values:
            assert np.array_equal(a.values[key], b.values[key], equal_nan=True)


def test_a_corrupt_entry_is_skipped_with_a_message(tmp_path, recorded):
    recorder, last = recorded
    lib = RunLibrary(tmp_path)
    r = recorder.get(1)
    good = lib.save("good", net_of(last[1], r), r).path
    (tmp_path / "garbage.npz").write_bytes(b"not a zip at all")
    (tmp_path / "truncated.npz").write_bytes(good.read_bytes()[:300])
    with open(tmp_path / "foreign.npz", "wb") as fh:
        np.savez(fh, meta=np.array(json.dumps({"format": "other"})))
    with open(tmp_path / "badconfig.npz", "wb") as fh:
        meta = {"format": "nnviz-model", "architecture": {"sizes": [4, 2], "activations": []},
                "config": {"lr": -1}}
        np.savez(fh, meta=np.array(json.dumps(meta)))
    assert [e.name for e in lib.list()] == ["good"]
    assert len(lib.problems) == 4
    for name in ("garbage", "truncated", "foreign", "badconfig"):
        assert sum(p.startswith(f"{name}.npz: ") for p in lib.problems) == 1, lib.problems
    assert "learning rate must be in (0, 100)" in " ".join(lib.problems)
    with pytest.raises(LibraryError, match="garbage.npz"):
        lib.load("garbage")


def test_a_plain_model_file_is_listed_from_its_history(tmp_path):
    net = MLP((64, 5, 3), "sigmoid", seed=2)
    history = [{"epoch": 1, "step": 3, "samples": 60, "elapsed_s": 0.5, "test_accuracy": 0.25,
                "test_loss": 1.5, "train_loss": 1.6}]
    save_model(tmp_path / "plain.npz", net, None, history)
    (entry,) = RunLibrary(tmp_path).list()
    assert entry.architecture == "64-5-3 sigmoid" and entry.accuracy == 0.25
    m = entry.record.metrics
    assert (m.epochs, m.steps, m.samples, m.elapsed_s) == (1, 3, 60, 0.5)
    assert entry.record.config is None and entry.record.curves is None


@pytest.mark.parametrize("name", ["", "   ", "../evil", "a/b", "a\\b", ".hidden", "_x", "dot.",
                                  "CON", "nul.txt", "x" * 81, "tab\there", "what?", "a:b"])
def test_bad_names_are_refused(tmp_path, name):
    with pytest.raises(LibraryError):
        check_name(name)
    with pytest.raises(LibraryError):
        RunLibrary(tmp_path).save(name, MLP((4, 2)), None)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, clean", [("lr 0.01 (wide)", "lr 0.01 (wide)"),
                                         ("  run-2  ", "run-2"), ("Ünïcode ok", "Ünïcode ok"),
                                         ("a+b=c, v1.5", "a+b=c, v1.5")])
def test_good_names_are_kept(name, clean):
    assert check_name(name) == clean


def test_overwrite_needs_consent_rename_and_delete(tmp_path, recorded):
    recorder, last = recorded
    lib = RunLibrary(tmp_path, now=Clock())
    r1, r2 = recorder.get(1), recorder.get(2)
    lib.save("m", net_of(last[1], r1), r1)
    with pytest.raises(LibraryError, match="already has a model named 'm'"):
        lib.save("m", net_of(last[2], r2), r2)
    assert lib.load("m")[1].run_id == 1
    lib.save("m", net_of(last[2], r2), r2, overwrite=True)
    net, rec = lib.load("m")
    assert rec.run_id == 2 and np.array_equal(net.theta, net_of(last[2], r2).theta)
    lib.save("other", net_of(last[1], r1), r1)
    with pytest.raises(LibraryError, match="already has"):
        lib.rename("m", "other")
    lib.rename("m", "renamed")
    assert sorted(e.name for e in lib.list()) == ["other", "renamed"]
    assert lib.load("renamed")[1].name == "renamed"
    lib.delete("other")
    assert [e.name for e in lib.list()] == ["renamed"]
    with pytest.raises(LibraryError, match="no model named 'other'"):
        lib.delete("other")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["renamed.npz"]  # no temporary files


def test_the_default_root_is_the_user_data_folder(monkeypatch, tmp_path):
    import platformdirs
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda app: str(tmp_path / app))
    assert RunLibrary().root == tmp_path / "nnviz" / "models"
    assert RunLibrary().list() == []  # no folder yet is an empty library


def test_compare_lines_up_histories_and_marks_differing_hyperparameters(recorded):
    recorder, _ = recorded
    records = recorder.records()
    series, rows = compare(records)
    assert [s.name for s in series] == ["run 1", "run 2", "run 3"]
    for s, r in zip(series, records):
        assert s.epoch.tolist() == [h["epoch"] for h in r.history]
        assert s.epoch.tolist() == list(range(1, len(r.history) + 1))
        assert s.values["test_accuracy"].tolist() == [h["test_accuracy"] for h in r.history]
        assert s.values["train_loss"].tolist() == [h["train_loss"] for h in r.history]
        assert np.isnan(s.values["val_loss"]).all()  # the data has no validation split
    by_key = {row.key: row for row in rows}
    assert by_key["lr"].values == ("0.01", "0.003", "0.01") and by_key["lr"].differs
    assert by_key["hidden"].values == ("8", "8", "12, 6") and by_key["hidden"].differs
    assert by_key["activation"].values == ("relu", "tanh", "relu, tanh")
    assert by_key["init"].differs and not by_key["optimizer"].differs
    assert not by_key["batch_size"].differs and by_key["batch_size"].values == ("20",) * 3
    assert by_key["augmentation"].values == ("off",) * 3
    assert by_key["train_subset"].values == ("all",) * 3  # the Controls' word for 0
    assert by_key["optimizer"].label == "optimiser"
    assert not by_key["dataset"].differs
    assert {row.key for row in rows if row.differs} == {"lr", "hidden", "activation", "init"}
    acc = by_key["test_accuracy"]
    assert acc.result and acc.values[0] == f"{100 * records[0].metrics.test_accuracy:.2f} %"
    # Same printed text, different values: still marked.
    close = [records[0].replace(config=records[0].config.replace(lr=0.01 + 1e-12)), records[0]]
    lr_row = next(row for row in compare(close)[1] if row.key == "lr")
    assert lr_row.values == ("0.01", "0.01") and lr_row.differs


def test_architecture_text():
    assert architecture_text(MLP((784, 256, 128, 10)).architecture()) == "784-256-128-10 ReLU"
    assert architecture_text(MLP((784, 10)).architecture()) == "784-10 linear"
    arch = {"sizes": [4, 3, 2], "activations": ["leaky_relu"]}
    assert architecture_text(arch) == "4-3-2 leaky ReLU"


def test_saved_curves_are_exact_when_short_and_halved_like_the_curve_buffer_when_long(tmp_path):
    rng = np.random.default_rng(3)
    n = 2 * 1024 + 3  # halved twice: 2051 → 1026 (1025 pairs + 1) → 513
    curves = {"step": frozen(np.arange(1.0, n + 1)), "loss": frozen(rng.random(n)),
              "grad_rms": frozen(rng.random((n, 2)))}
    packed = unpack_curves(pack_curves(curves))
    once = {k: np.concatenate([v[:2050].reshape(1025, 2, *v.shape[1:]).mean(1), v[2050:]])
            for k, v in curves.items()}
    for k, v in once.items():
        want = np.concatenate([v[:1026].reshape(513, 2, *v.shape[1:]).mean(1), v[1026:]])
        assert packed[k].shape == want.shape and np.array_equal(packed[k], want), k
    assert packed["step"][0] == 2.5 and not packed["loss"].flags.writeable
    short = {k: v[:1024] for k, v in curves.items()}
    assert all(np.array_equal(unpack_curves(pack_curves(short))[k], v) for k, v in short.items())
    # A saved model stays small: the curves cost less than the weights of a 64-unit layer.
    net = MLP((784, 64, 10))
    rec = RunRecord(1, "r", None, net.architecture(), (), metrics_of(()), curves=curves)
    lib = RunLibrary(tmp_path)
    size = lib.save("big", net, rec).path.stat().st_size
    assert size < 2 * net.theta.nbytes
    assert lib.load("big")[1].curves["loss"].shape == (513,)


@pytest.mark.parametrize("extra, message", [
    ({"saved": 5}, r"saved is 5, expected an ISO date"),
    ({"run": [1, 2]}, r"run is list, expected an object"),
    ({"run": {"metrics": {"test_accuracy": "high"}}}, r"metrics\.test_accuracy is 'high', "
                                                      r"expected a number"),
    ({"run": {"metrics": {"steps": None}}}, r"metrics\.steps is None, expected a number"),
    ({"run": {"metrics": {"bogus": 1}}}, r"unexpected keyword argument 'bogus'"),
    ({"run": {"run_id": float("inf")}}, r"cannot convert float infinity to integer"),
    ({"run": {"curves": {"loss": {"shape": [3], "data": "AAAA"}}}}, r"buffer size must be a "
                                                                    r"multiple"),
    ({"run": {"curves": {"loss": {"shape": [10**12], "data": ""}}}}, r"cannot reshape"),
])
def test_a_malformed_run_record_is_a_problem_when_listing_and_an_error_when_loading(
        tmp_path, extra, message):
    save_model(tmp_path / "odd.npz", MLP((4, 3, 2), seed=0), None, [], extra=extra)
    lib = RunLibrary(tmp_path)
    assert lib.list() == []
    assert len(lib.problems) == 1 and lib.problems[0].startswith("odd.npz: unreadable run record")
    assert re.search(message, lib.problems[0]), lib.problems[0]
    with pytest.raises(LibraryError, match=message):
        lib.load("odd")
