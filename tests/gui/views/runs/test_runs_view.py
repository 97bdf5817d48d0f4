"""RunsView: the session model's runs are listed, compared (curves = histories), saved, loaded
and deleted."""

import numpy as np
import pytest
from gui_helpers import make_snapshot, tiny_digits
from PySide6.QtGui import QColor

from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.config import TrainConfig
from nnviz.gui.views.runs import view as runs_module
from nnviz.gui.views.runs.view import ACCURACY, ARCH, EPOCHS, NAME, RunsView
from nnviz.runs.library import LibraryError, RunLibrary
from nnviz.session import SessionModel

CONFIGS = {1: TrainConfig(hidden=(32, 16), batch_size=32, epochs=100, lr=1e-3),
           2: TrainConfig(hidden=(32, 16), batch_size=32, epochs=100, lr=3e-3),
           3: TrainConfig(hidden=(24,), batch_size=32, epochs=100, lr=1e-3, activation="tanh")}
STEPS = {1: 25, 2: 35, 3: 20}  # 10 batches an epoch: 2, 3 and 2 epochs


@pytest.fixture(scope="module")
def snaps(digits):
    return {i: make_snapshot(digits, STEPS[i], CONFIGS[i], run_id=i)[0] for i in CONFIGS}


@pytest.fixture
def library(tmp_path):
    return RunLibrary(tmp_path / "models")


def runs_view(library) -> tuple[RunsView, SessionModel]:
    """A runs view of its own session model, subscribed to it as the window does."""
    model = SessionModel()
    v = RunsView(library=library, model=model)
    model.subscribe("runs", v)
    return v, model


def receive(model, snap) -> None:
    """``snap`` arrives from the training process and the window's timer publishes it."""
    model.receive(snap)
    model.publish()


@pytest.fixture
def view(qtbot, library, snaps):
    v, model = runs_view(library)
    qtbot.addWidget(v)
    model.set_dataset(tiny_digits())
    v.resize(1100, 650)
    v.show()
    for i in (1, 2, 3):
        receive(model, snaps[i])
    return v


def cell(view, key, col) -> str:
    return view.table.item(view.keys.index(key), col).text()


def test_three_runs_appear_in_the_table(view, snaps):
    assert view.keys == [("run", 3), ("run", 2), ("run", 1)]  # newest first
    assert [r.run_id for r in view.records()] == [1, 2, 3]
    for i, snap in snaps.items():
        key = ("run", i)
        acc = snap.history[-1]["test_accuracy"]
        assert cell(view, key, NAME) == f"run {i}"
        assert cell(view, key, ACCURACY) == f"{100 * acc:.2f} %"
        assert cell(view, key, EPOCHS) == str(len(snap.history))
    assert cell(view, ("run", 1), ARCH) == "784-32-16-10 ReLU"
    assert cell(view, ("run", 3), ARCH) == "784-24-10 tanh"
    assert [len(s.history) for s in snaps.values()] == [2, 3, 2]


def test_checked_runs_overlay_exactly_their_histories(view, snaps):
    view.set_checked(("run", 1))
    view.set_checked(("run", 2))
    assert view.checked() == [("run", 2), ("run", 1)]  # table order = colour order
    cmp = view.compare
    assert [r.name for r in cmp.records] == ["run 2", "run 1"]
    for slot, i in zip(cmp.curves, (2, 1)):
        h = snaps[i].history
        epochs = [r["epoch"] for r in h]
        x, y = slot.test_loss.getData()
        assert x.tolist() == epochs and y.tolist() == [r["test_loss"] for r in h]
        assert slot.train_loss.getData()[1].tolist() == [r["train_loss"] for r in h]
        np.testing.assert_allclose(slot.test_accuracy.getData()[1],
                                   [100 * r["test_accuracy"] for r in h])
    assert [label.text for _, label in cmp.legend.items] == ["run 2", "run 1"]
    assert not cmp.empty.isVisible()
    view.set_checked(("run", 2), False)
    assert [r.name for r in cmp.records] == ["run 1"]
    test_loss = [r["test_loss"] for r in snaps[1].history]
    assert cmp.curves[0].test_loss.getData()[1].tolist() == test_loss
    assert not cmp.curves[1].test_loss.isVisible() and len(cmp.legend.items) == 1
    view.set_checked(("run", 1), False)
    assert cmp.records == [] and cmp.empty.isVisible() and not cmp.legend.isVisible()
    assert cmp.params.columnCount() == 0 and cmp.params.rowCount() == 0


def test_the_hyperparameter_table_makes_differing_values_bold(view):
    for i in (1, 2, 3):
        view.set_checked(("run", i))
    t = view.compare.params
    assert [t.horizontalHeaderItem(j).text() for j in range(3)] == ["run 3", "run 2", "run 1"]
    rows = {t.verticalHeaderItem(i).text(): i for i in range(t.rowCount())}

    def row(label):
        return [(t.item(rows[label], j).text(), t.item(rows[label], j).font().bold())
                for j in range(3)]

    assert row("learning rate") == [("0.001", True), ("0.003", True), ("0.001", True)]
    assert row("hidden layers") == [("24", True), ("32, 16", True), ("32, 16", True)]
    assert row("activation") == [("tanh", True), ("relu", True), ("relu", True)]
    # The Controls' words: "Optimiser", and a training subset of 0 is "all".
    assert row("optimiser") == [("adam", False)] * 3
    assert row("training subset") == [("all", False)] * 3
    assert row("batch size") == [("32", False)] * 3
    assert row("dataset") == [("tiny-digits", False)] * 3
    assert row("epochs trained") == [("2", False), ("3", False), ("2", False)]
    # Each column is headed in its run's curve colour.
    for j in range(3):
        assert t.horizontalHeaderItem(j).foreground().color() == QColor(LIGHT.series[j])
    view.set_theme(DARK)
    assert t.horizontalHeaderItem(1).foreground().color() == QColor(DARK.series[1])
    assert view.compare.curves[2].test_loss.opts["pen"].color() == QColor(DARK.series[2])


def test_saved_runs_are_listed_and_load_bit_identical(view, library, snaps, qtbot):
    entry = view.save_run(2, "lr 3e-3")
    assert [e.name for e in library.list()] == ["lr 3e-3"]
    assert view.keys[-1] == ("library", "lr 3e-3") and cell(view, ("run", 2), NAME) == "lr 3e-3"
    assert entry.accuracy == snaps[2].history[-1]["test_accuracy"]
    with pytest.raises(LibraryError, match="already has"):
        view.save_run(1, "lr 3e-3")
    with pytest.raises(LibraryError, match="not a valid model name"):
        view.save_run(1, "../up")
    with qtbot.waitSignal(view.load_requested) as blocker:
        view.load_key(("library", "lr 3e-3"))
    net, record = blocker.args
    for L, layer in zip(snaps[2].layers, net.layers):
        assert layer.W.dtype == L.W.dtype
        assert np.array_equal(layer.W, L.W) and np.array_equal(layer.b, L.b)
    assert record.config == CONFIGS[2] and record.history == snaps[2].history
    assert record.dataset == "tiny-digits" and record.name == "lr 3e-3"
    # A library row compares like a session run: the same history.
    view.set_checked(("library", "lr 3e-3"))
    assert view.compare.curves[0].test_loss.getData()[1].tolist() == [
        r["test_loss"] for r in snaps[2].history]


def test_the_buttons_save_load_and_delete_through_their_dialogs(view, library, snaps, qtbot,
                                                                 monkeypatch):
    monkeypatch.setattr(runs_module.QInputDialog, "getText", lambda *a, **k: ("first", True))
    monkeypatch.setattr(runs_module.QMessageBox, "question",
                        lambda *a, **k: runs_module.QMessageBox.StandardButton.Yes)
    assert not view.save_button.isEnabled()  # nothing selected
    view.select(("run", 1))
    assert view.save_button.isEnabled() and not view.delete_button.isEnabled()
    view.save_button.click()
    assert [e.name for e in library.list()] == ["first"]
    view.select(("run", 3))
    view.save_button.click()  # same name: the question says Yes, so it replaces
    (entry,) = library.list()
    assert entry.record.run_id == 3
    view.select(("library", "first"))
    assert view.delete_button.isEnabled() and not view.save_button.isEnabled()
    with qtbot.waitSignal(view.load_requested) as blocker:
        view.load_button.click()
    assert np.array_equal(blocker.args[0].layers[0].W, snaps[3].layers[0].W)
    view.delete_button.click()
    assert library.list() == [] and ("library", "first") not in view.keys


def test_delete_removes_an_entry_and_unchecks_it(view, library):
    view.save_run(1, "a")
    view.save_run(3, "b")
    view.set_checked(("library", "a"))
    view.set_checked(("library", "b"))
    view.delete_entry("a")
    assert [e.name for e in library.list()] == ["b"]
    assert view.keys[-1:] == [("library", "b")] and view.checked() == [("library", "b")]
    assert [r.name for r in view.compare.records] == ["b"]


def test_a_corrupt_library_entry_shows_a_message_and_the_rest_still_list(view, library, qtbot):
    view.save_run(1, "good")
    (library.root / "broken.npz").write_bytes(b"PK\x03\x04 this is no zip")
    view.reload_library()
    assert [k for k in view.keys if k[0] == "library"] == [("library", "good")]
    assert view.message.isVisible()
    assert "1 file in the library could not be read" in view.message.text()
    assert "broken.npz" in view.message.text()
    (library.root / "broken.npz").unlink()
    view.reload_library()
    assert not view.message.isVisible()


def test_the_table_follows_new_epochs_only_and_waits_while_hidden(qtbot, digits, library):
    v, model = runs_view(library)
    qtbot.addWidget(v)
    cfg = TrainConfig(hidden=(16,), batch_size=32, epochs=100)
    first = make_snapshot(digits, 5, cfg, run_id=7)[0]
    receive(model, first)  # hidden: recorded, not drawn
    assert v.table.rowCount() == 0 and v.records()[0].metrics.steps == 5
    v.show()
    qtbot.waitExposed(v)
    assert v.keys == [("run", 7)] and cell(v, ("run", 7), EPOCHS) == "0"
    assert cell(v, ("run", 7), ACCURACY) == "—"
    v.table.item(0, NAME).setText("marker")  # a redraw would overwrite it
    receive(model, make_snapshot(digits, 8, cfg, run_id=7)[0])  # same epoch
    assert cell(v, ("run", 7), NAME) == "marker" and v.records()[0].metrics.steps == 8
    receive(model, make_snapshot(digits, 12, cfg, run_id=7)[0])  # first epoch done
    assert cell(v, ("run", 7), NAME) == "run 7" and cell(v, ("run", 7), EPOCHS) == "1"


def test_the_comparison_draws_each_run_in_its_colour(view, qtbot):
    view.set_checked(("run", 1))
    view.set_checked(("run", 3))
    qtbot.waitUntil(lambda: view.compare.graphics.isVisible())
    image = view.compare.graphics.grab().toImage()
    pixels = np.array([[image.pixelColor(x, y).name() for x in range(0, image.width(), 2)]
                       for y in range(0, image.height(), 2)])
    assert np.count_nonzero(pixels == LIGHT.series[0]) > 30  # run 3
    assert np.count_nonzero(pixels == LIGHT.series[1]) > 30  # run 1
    assert np.count_nonzero(pixels == LIGHT.series[2]) == 0  # no third run
