"""The main window end to end: dataset → network → training → views, files, errors, close."""

import json
import os
import threading

import numpy as np
import pytest
from fifos import own_fifo, release
from gui_helpers import latest, trained
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage

from nnviz.engine.checkpoint import load_model
from nnviz.engine.training import Trainer, make_network


def test_training_reaches_every_view_and_the_status_bar(qtbot, window):
    snap = trained(qtbot, window, 12)
    shown = window.model.shown
    assert (shown.run_id, shown.step) == (snap.run_id, 12)
    assert window.errors == []
    labels = window.status.labels
    assert labels["step"].text() == "step 12"
    assert f"{snap.curves['loss'][-1]:.4f}" in labels["loss"].text()
    assert "tiny-digits" in labels["dataset"].text()


def test_toolbar_commands_at_any_moment(qtbot, window):
    a = window.actions_
    a["step"].trigger()
    qtbot.waitUntil(lambda: latest(window, "step") == 1, timeout=20_000)
    window.views["controls"].set_config(window.views["controls"].config().replace(epochs=2))
    window.new_network()
    a["train"].trigger()
    qtbot.waitUntil(lambda: window.training.state == "finished", timeout=20_000)
    qtbot.waitUntil(lambda: latest(window, "epochs_done") == 2, timeout=20_000)
    a["epoch"].trigger()
    qtbot.waitUntil(lambda: latest(window, "epochs_done") == 3, timeout=20_000)
    window.training.set_delay(0.02)
    window.views["controls"].set_config(window.views["controls"].config().replace(epochs=50))
    window.new_network()
    a["train"].trigger()
    qtbot.waitUntil(lambda: (latest(window, "step") or 0) > 2, timeout=20_000)
    assert a["pause"].isEnabled() and a["stop"].isEnabled()
    a["stop"].trigger()
    qtbot.waitUntil(lambda: window.training.state == "stopped", timeout=20_000)  # not "paused"
    a["new"].trigger()
    qtbot.waitUntil(lambda: latest(window, "step") == 0, timeout=10_000)


def direct_weights(config, data, steps):
    """The first layer's weights after ``steps`` batches of a Trainer stepped by hand."""
    t = Trainer(make_network(config, data.n_features, data.n_classes), data, config)
    for _ in range(steps):
        t.step()
    return t.net.layers[0].W


def test_pause_then_train_goes_on_with_the_same_run(qtbot, window, digits):
    a, s, T = window.actions_, window.training, 20_000
    config = window.model.config  # SMALL: 3 epochs of 15 batches
    s.set_delay(0.02)  # slow motion, so Pause lands mid-run
    a["train"].trigger()
    qtbot.waitUntil(lambda: (latest(window, "step") or 0) >= 3, timeout=T)
    assert a["pause"].isEnabled() and a["stop"].isEnabled() and not a["train"].isEnabled()
    run = window.model.latest.run_id
    a["pause"].trigger()
    qtbot.waitUntil(lambda: s.state == "paused", timeout=T)
    assert 3 <= window.model.latest.step < 45 and s.has_network
    assert window.status.labels["state"].text() == "paused"
    assert a["train"].isEnabled() and a["stop"].isEnabled() and not a["pause"].isEnabled()
    s.set_delay(0)
    a["train"].trigger()
    qtbot.waitUntil(lambda: s.state == "finished" and latest(window, "step") == 45, timeout=T)
    end = window.model.latest
    # One run from start to end: no batch lost or repeated, the weights those of 45
    # uninterrupted batches (another process: allclose).
    assert end.run_id == run and len(end.history) == 3
    np.testing.assert_array_equal(end.curves["step"], np.arange(1, 46))
    np.testing.assert_allclose(end.layers[0].W, direct_weights(config, digits, 45), atol=1e-5)
    assert a["stop"].isEnabled() and not a["pause"].isEnabled()  # a finished run can end too


def test_stop_ends_the_run_and_train_starts_a_new_network(qtbot, window, digits, tmp_path):
    a, s, T = window.actions_, window.training, 20_000
    s.set_delay(0.02)
    a["train"].trigger()
    qtbot.waitUntil(lambda: (latest(window, "step") or 0) >= 3, timeout=T)
    first = window.model.latest.run_id
    a["stop"].trigger()
    assert not a["stop"].isEnabled() and not s.has_network  # at once: no run left to end
    qtbot.waitUntil(lambda: s.state == "stopped", timeout=T)
    assert window.status.labels["state"].text() == "stopped"
    assert a["train"].isEnabled() and a["step"].isEnabled() and not a["pause"].isEnabled()
    assert not a["stop"].isEnabled() and a["save"].isEnabled()
    ended = window.model.latest
    assert ended.run_id == first
    assert window.files.save_model(tmp_path / "stopped.npz")  # the ended run's weights are kept
    np.testing.assert_array_equal(load_model(tmp_path / "stopped.npz").net.layers[0].W,
                                  ended.layers[0].W)
    # Train after Stop: a new network from the controls (a new architecture there), trained
    # from step 0.
    config = window.views["controls"].config().replace(hidden=(8,), epochs=2)
    window.views["controls"].set_config(config)
    s.set_delay(0)
    a["train"].trigger()
    assert s.has_network and window.model.config.hidden == (8,)
    qtbot.waitUntil(lambda: s.state == "finished" and latest(window, "run_id") != first,
                    timeout=T)
    qtbot.waitUntil(lambda: latest(window, "step") == 30, timeout=T)
    new = window.model.latest
    assert new.run_id == first + 1 and new.sizes == (784, 8, 10) and len(new.history) == 2
    np.testing.assert_array_equal(new.curves["step"], np.arange(1, 31))
    np.testing.assert_allclose(new.layers[0].W, direct_weights(config, digits, 30), atol=1e-5)
    window.refresh_views()
    assert [r.run_id for r in window.views["runs"].records()][-2:] == [first, first + 1]


def test_learning_rate_from_the_controls_reaches_the_optimiser(qtbot, window):
    # Paused between batches, not racing a 45-batch run: on a loaded machine the run could
    # finish before the change arrived, and the test waited for a batch that never came.
    trained(qtbot, window, 3)
    window.views["controls"].live_changed.emit({"lr": 0.0042})
    window.training.step(1)
    # The optimiser's rate (constant schedule) as reported by the training process:
    qtbot.waitUntil(lambda: latest(window, "lr") == pytest.approx(0.0042), timeout=20_000)
    assert latest(window, "step") == 4


def test_corrupt_dataset_gives_a_dialog_and_the_app_goes_on(qtbot, window, tmp_path):
    bad = tmp_path / "digits.csv"
    bad.write_text("label,pixel0\n3,999\n")
    window.open_dataset(str(bad))
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert "digits.csv" in window.errors[-1]
    assert window.model.dataset.name == "tiny-digits"  # the old data is still in use
    trained(qtbot, window, 2)


def test_close_during_training_stops_the_thread(qtbot, make_window, digits):
    w = make_window()
    w.files.set_dataset(digits, "tiny")
    w.views["controls"].set_config(w.views["controls"].config().replace(epochs=10_000))
    w.new_network()
    w.training.train()
    qtbot.waitUntil(lambda: w.model.latest is not None and w.model.latest.step > 5,
                    timeout=20_000)
    w.close()
    assert w.training._relay is None and w.training.state == "stopped"


def test_save_and_load_model_round_trip(qtbot, window, tmp_path):
    snap = trained(qtbot, window, 5)
    path = tmp_path / "m.npz"
    assert window.files.save_model(path)
    ck = load_model(path)
    assert np.array_equal(ck.net.layers[0].W, snap.layers[0].W)
    assert ck.extra["dataset"] == "tiny-digits"
    window.new_network()
    window.files.load_model(path)
    qtbot.waitUntil(lambda: latest(window, "step") == 5, timeout=20_000)
    assert np.array_equal(window.model.latest.layers[0].W, snap.layers[0].W)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    window.files.load_model(bad)
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert "not a readable .npz" in window.errors[-1]


@pytest.fixture
def fifo(tmp_path):
    """A FIFO of our own (see fifos.own_fifo), released at the end."""
    path = own_fifo(tmp_path / "mfifo.npz")
    yield path
    release(path)  # lets the writer go if still waiting


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_as_a_model_is_refused_without_reading_it(qtbot, window, fifo):
    window.files.load_model(fifo)
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert window.errors == [f"{fifo}: is a FIFO (named pipe), not a regular file; not read"]


def test_the_window_stays_live_while_a_model_loads(qtbot, window, monkeypatch, tmp_path):
    # A load that waits on the file system: before issue 16 it ran on the window's thread.
    ticks, released = [], threading.Event()

    def slow_load(path):
        released.wait(30)  # let go by the event loop's timer below; bounded on old code
        return real_load(path)
    from nnviz.engine import checkpoint
    real_load = checkpoint.load_model
    trained(qtbot, window, 2)
    path = tmp_path / "m.npz"
    assert window.files.save_model(path)
    monkeypatch.setattr(checkpoint, "load_model", slow_load)
    timer = QTimer(interval=10, timeout=lambda: (ticks.append(1), released.set()))
    timer.start()
    task = window.files.load_model(path)
    assert not released.is_set()  # the load has not returned yet...
    qtbot.waitUntil(lambda: task.is_ended, timeout=30_000)
    timer.stop()
    assert ticks and window.errors == []  # ...and the event loop ran while it waited


def test_exports(qtbot, window, tmp_path):
    snap = trained(qtbot, window, 30)  # two epochs of history
    assert len(snap.history) == 2
    for name in ("curves", "weights", "activations", "data"):
        window.docks[name].show()
        window.docks[name].raise_()
        png = tmp_path / f"{name}.png"
        assert window.files.export_view(name, png), window.errors
        assert QImage(str(png)).width() > 100
    assert window.files.export_view("curves", tmp_path / "curves.svg")
    assert "<svg" in (tmp_path / "curves.svg").read_text()[:500]
    assert window.files.export_history(tmp_path / "h.json")
    assert window.files.export_history(tmp_path / "h.csv")
    records = json.loads((tmp_path / "h.json").read_text())
    assert [r["epoch"] for r in records] == [1, 2]
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert len(lines) == 3 and "test_accuracy" in lines[0] and "grad_rms_1" in lines[0]


@pytest.mark.slow
def test_theme_layout_and_hyperparameters_are_restored(qtbot, make_window):
    w = make_window()
    w.set_theme("dark")
    cfg = w.views["controls"].config().replace(lr=0.0031, hidden=(64,))
    w.views["controls"].set_config(cfg)
    w.docks["weights"].hide()
    w.close()
    w2 = make_window()
    assert w2.theme.name == "dark"
    assert w2.views["controls"].config().lr == pytest.approx(0.0031)
    assert w2.views["controls"].config().hidden == (64,)
    assert not w2.docks["weights"].isVisible()
    w2.presenting.reset_layout()
    assert w2.docks["weights"].isVisible()


def test_menus_and_shortcuts():
    from nnviz.gui.window.actions import FILE, HELP, TRAINING
    shortcuts = [spec[1] for table in (FILE, TRAINING, HELP) for spec in table.values() if spec[1]]
    assert len(shortcuts) == len(set(shortcuts))  # no shortcut bound twice


def test_menu_titles(window):
    assert [a.text() for a in window.menuBar().actions()] == ["&File", "&Training", "&View",
                                                              "&Help"]


def test_download_with_progress_then_the_dataset_opens(qtbot, make_window, tmp_path, http_server,
                                                       mnist_dir):
    w = make_window()
    w.data_dir = tmp_path / "data"
    http_server.files = {p.name: p.read_bytes() for p in mnist_dir.glob("*.gz")}
    progress = []
    task = w.files.download_dataset("mnist", mirrors=[http_server.url("good")])
    task.progress.connect(lambda done, total: progress.append(done))  # GUI thread
    qtbot.waitUntil(lambda: w.model.dataset is not None, timeout=60_000)
    assert w.model.dataset.name == "mnist" and len(w.model.dataset.y_train) == 60_000
    assert (tmp_path / "data" / "mnist" / "train-images-idx3-ubyte.gz").is_file()
    assert w.errors == []


def test_failed_download_is_a_dialog_and_leaves_nothing(qtbot, make_window, tmp_path, http_server):
    w = make_window()
    w.data_dir = tmp_path / "data"
    w.files.download_dataset("mnist", mirrors=[http_server.url("missing")])
    qtbot.waitUntil(lambda: bool(w.errors), timeout=30_000)
    assert "404" in w.errors[-1]
    assert not [p for p in (tmp_path / "data").rglob("*") if p.is_file()]  # no temp file either


@pytest.mark.skipif(not __import__("pathlib").Path("/usr/share/datasets/fashion-mnist").is_dir(),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_works_the_same(qtbot, make_window):
    w = make_window()
    w.open_dataset("fashion-mnist")
    qtbot.waitUntil(lambda: w.model.dataset is not None and w.model.latest is not None,
                    timeout=60_000)
    assert w.model.dataset.class_names[0] == "T-shirt/top"
    trained(qtbot, w, 3)
    assert w.errors == []


def test_weights_view_mode_asks_for_gradients(qtbot, window):
    trained(qtbot, window, 3)
    assert window.training.fields == frozenset()  # weights mode: no gradients shipped
    window.views["weights"].set_mode("dW")
    assert window.training.fields == frozenset({"dW"})
    qtbot.waitUntil(lambda: window.model.latest.layers[0].dW is not None, timeout=20_000)
    window.refresh_views()
    view = window.views["weights"]
    assert window.errors == [] and view.drawing.drawn is window.model.latest
    assert view.levels[1] > 0


def test_an_image_folder_opens_like_any_dataset(qtbot, window, tmp_path):
    """Bring your own digits: one subfolder per class (what File → Open dataset folder takes)."""
    from PIL import Image
    rng = np.random.default_rng(0)
    for k in range(10):
        (tmp_path / "mine" / str(k)).mkdir(parents=True)
        for i in range(6):
            img = (rng.random((28, 28)) * 60).astype(np.uint8)
            img[4 + 2 * k:8 + 2 * k, 6:22] = 255
            Image.fromarray(img).save(tmp_path / "mine" / str(k) / f"{i}.png")
    window.open_dataset(str(tmp_path / "mine"))
    qtbot.waitUntil(lambda: window.model.dataset.name != "tiny-digits"
                    and window.model.latest is not None, timeout=30_000)
    ds = window.model.dataset
    assert len(ds.y_train) + len(ds.y_test) == 60 and ds.class_names == tuple("0123456789")
    trained(qtbot, window, 2)
    assert window.errors == []


def test_missing_mnist_dialog_names_the_menu_not_the_command_line(qtbot, make_window, tmp_path):
    w = make_window()
    w.data_dir = tmp_path / "empty"
    (tmp_path / "empty").mkdir()
    w.files.open_dataset("mnist", offer_download=True)
    qtbot.waitUntil(lambda: any(b.windowTitle() == "Download the dataset?"
                                for b in w.dialogs.open), timeout=30_000)
    text = next(b.text() for b in w.dialogs.open if b.windowTitle() == "Download the dataset?")
    assert "nnviz download" not in text
    assert "File > Download dataset…" in text and "File > Open dataset file…" in text
    assert str(tmp_path / "empty") in text  # where it looked
