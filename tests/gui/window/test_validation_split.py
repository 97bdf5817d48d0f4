"""The Controls' validation split: held out of the training images at the next New network,
as ``nnviz train --val-fraction`` does; the validation curve appears only with a split."""

import json

import numpy as np
from gui_helpers import trained


def legend_names(plot):
    return [label.text for _, label in plot.legend.items]


def test_the_split_reaches_the_trainer_and_draws_the_validation_curve(qtbot, window):
    controls, curves = window.views["controls"], window.views["curves"]
    assert controls.val_fraction() == 0.0  # the CLI's default: no validation split
    snap = trained(qtbot, window, 15)  # one epoch of the 300 images in batches of 20
    assert snap.history[-1]["val_loss"] is None
    assert len(window.model.dataset.y_train) == 300
    curves.show_snapshot(snap)
    assert "validation" not in legend_names(curves.loss_plot)
    assert curves.loss_epoch["val"].getData()[0] is None or not len(
        curves.loss_epoch["val"].getData()[0])

    controls.val_split.setValue(20)  # as typed: a new-network setting
    assert controls.needs_new_network() and controls.val_fraction() == 0.2
    assert len(window.model.dataset.y_train) == 300  # nothing changes before New network
    assert window.training_commands.new_network()
    ds = window.model.dataset
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (240, 60, 100)
    assert window.model.opened.name == ds.name and len(window.model.opened.y_train) == 300
    assert "240 training, 60 validation" in window.views["data"].summary.text()
    snap = trained(qtbot, window, 12)  # the training process trains on 240: 12 batches
    record = snap.history[-1]
    assert record["epoch"] == 1 and record["step"] == 12
    assert 0 < record["val_loss"] < 5 and 0 <= record["val_accuracy"] <= 1
    curves.show_snapshot(snap)
    assert "validation" in legend_names(curves.loss_plot)
    steps, values = curves.loss_epoch["val"].getData()
    np.testing.assert_array_equal(steps, [12])
    np.testing.assert_allclose(values, [record["val_loss"]])

    controls.val_split.setValue(0)  # back to none: every training image, no curve
    assert window.training_commands.new_network()
    assert len(window.model.dataset.y_train) == 300 and len(window.model.dataset.y_val) == 0
    snap = trained(qtbot, window, 15)
    assert snap.history[-1]["val_loss"] is None
    curves.show_snapshot(snap)
    assert "validation" not in legend_names(curves.loss_plot)


def test_a_refused_split_says_why_and_changes_nothing(qtbot, window, digits):
    from gui_helpers import tiny_digits
    few = tiny_digits(n_train=10, n_test=10)  # one image per class
    window.files.set_dataset(few, "few")
    window.views["controls"].val_split.setValue(10)  # 1 of 10: its class would have none
    assert not window.training_commands.new_network()
    assert window.errors[-1] == ("tiny-digits: cannot hold out the validation set: class 0 has "
                                 "only 1 row, and holding out 10% would leave none of it; each "
                                 "class needs at least 2 rows")
    assert window.model.dataset is few and window.model.val_fraction == 0.0


def test_the_split_is_saved_with_the_controls_settings(qtbot, make_window):
    w = make_window()
    w.views["controls"].val_split.setValue(15)
    w.close()
    w2 = make_window()
    assert w2.views["controls"].val_fraction() == 0.15
    state = w2.views["controls"].state()
    assert json.loads(json.dumps(state))["val_fraction"] == 0.15
