"""A view that raises is named in the status bar and served again at the next change, with
what it missed; the others are drawn as usual, and runs are recorded whatever the runs view
does."""

import numpy as np
from gui_helpers import tiny_digits, trained


def test_a_failing_view_is_named_and_does_not_blank_the_others(qtbot, window, monkeypatch):
    curves = window.views["curves"]

    def broken(snap):
        raise RuntimeError("boom")
    monkeypatch.setattr(curves, "show_snapshot", broken)
    snap = trained(qtbot, window, 3)
    assert window.model.shown is snap
    for name in ("weights", "activations"):  # drawn from the snapshot the curves missed
        assert window.views[name].drawing.drawn is snap
    assert curves.drawing.newest is None
    problem = window.status.problem
    assert problem.isVisible() and problem.text() == (
        "The curves view failed: RuntimeError: boom (tried again at the next change)")
    assert "Traceback" in problem.toolTip()
    assert window.errors == []  # a line, not a dialog at every tick
    monkeypatch.undo()  # the view works again: the next change reaches it
    window.training.step(1)
    qtbot.waitUntil(lambda: window.model.latest.step == 4, timeout=20_000)
    window.refresh_views()
    assert curves.drawing.drawn is window.model.shown and curves.drawing.drawn.step == 4
    assert not problem.isVisible() and problem.text() == ""


def test_a_view_that_missed_the_dataset_is_given_it_at_the_next_change(qtbot, window,
                                                                       monkeypatch):
    activations, data = window.views["activations"], window.views["data"]
    other = tiny_digits(n_train=120, n_test=40, seed=3)

    def broken(ds):
        raise RuntimeError("cannot take it")
    monkeypatch.setattr(activations, "set_dataset", broken)
    window.files.set_dataset(other, "other")
    assert window.model.dataset is other and "40 test" in data.summary.text()
    assert activations.spin.maximum() == 99  # still the old dataset's last test image
    assert window.status.problem.text().startswith(
        "The activations view failed: RuntimeError: cannot take it")
    monkeypatch.undo()
    snap = trained(qtbot, window, 2)  # the next change: the new network's snapshot
    assert activations.spin.maximum() == 39  # the other dataset's last
    assert activations.drawing.newest is snap
    assert not window.status.problem.isVisible()


def test_runs_are_recorded_while_the_runs_view_is_broken(qtbot, window, monkeypatch):
    runs = window.views["runs"]

    def broken(records):
        raise ValueError("table broken")
    monkeypatch.setattr(runs, "show_runs", broken)
    trained(qtbot, window, 5)
    window.training.step(15)  # the first epoch ends at batch 15
    qtbot.waitUntil(lambda: window.model.latest.step == 20, timeout=20_000)
    window.refresh_views()
    [record] = window.model.runs
    assert (record.metrics.steps, record.metrics.epochs) == (20, 1)
    assert "The runs view failed: ValueError: table broken" in window.status.problem.text()
    monkeypatch.undo()  # the view works again: the next change shows the run
    window.training.step(1)
    qtbot.waitUntil(lambda: window.model.latest.step == 21, timeout=20_000)
    window.refresh_views()
    window.analysis_window.present()
    window.analysis_window.show_tab("runs")
    qtbot.waitUntil(lambda: runs.keys == [("run", record.run_id)])
    assert runs.table.item(0, 6).text() == "1"  # epochs
    assert not window.status.problem.isVisible()


def test_a_view_whose_draw_fails_is_named_until_it_draws_again(qtbot, window, monkeypatch):
    """The window draws on its frame clock, after the model served the view: a draw that
    raises is reported as the model reports a failing subscriber, and the others draw."""
    curves, weights = window.views["curves"], window.views["weights"]

    def broken(snap):
        raise RuntimeError("cannot draw")
    monkeypatch.setattr(curves.drawing, "_draw", broken)
    snap = trained(qtbot, window, 3)
    assert weights.drawing.drawn is snap and curves.drawing.drawn is None
    problem = window.status.problem
    assert problem.isVisible() and problem.text() == (
        "The curves view failed: RuntimeError: cannot draw (tried again at the next change)")
    assert window.model.failures["curves"].kind == "draw" and window.errors == []
    monkeypatch.undo()
    window.training.step(1)
    qtbot.waitUntil(lambda: window.model.latest.step == 4, timeout=20_000)
    window.refresh_views()
    assert curves.drawing.drawn is window.model.shown
    np.testing.assert_array_equal(curves.loss_raw.getData()[1], window.model.shown.curves["loss"])
    assert not problem.isVisible() and window.model.failures == {}
