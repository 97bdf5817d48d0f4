"""The Controls panel: config round trips, signals, the log-scale learning rate, tooltips."""

import dataclasses
import json
import math
import re
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QScrollBar,
)

from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.augment import Augmentation
from nnviz.engine.config import TrainConfig
from nnviz.engine.optim import effective_momentum
from nnviz.engine.presets import PRESETS
from nnviz.engine.training import Trainer, make_network
from nnviz.gui.views.controls.arch_editor import MAX_LAYERS, parameter_count
from nnviz.gui.views.controls.text import HELP
from nnviz.gui.views.controls.view import WINDOW_PRESETS, ControlsPanel
from nnviz.gui.widgets.fields import format_number
from nnviz.gui.widgets.help import HelpButton


@pytest.fixture
def panel(qtbot):
    p = ControlsPanel()
    qtbot.addWidget(p)
    p.resize(340, 1000)
    return p


class Recorder:
    """Every signal the panel emits, in order."""

    def __init__(self, panel):
        self.live, self.structure, self.delay, self.presets = [], [], [], []
        panel.live_changed.connect(self.live.append)
        panel.structure_changed.connect(lambda: self.structure.append(True))
        panel.delay_changed.connect(self.delay.append)
        panel.preset_chosen.connect(self.presets.append)

    def count(self):
        return len(self.live) + len(self.structure) + len(self.delay) + len(self.presets)


def type_into(qtbot, box, text):
    """Select all in a spin box, type ``text`` and press Enter, as a user would."""
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


# -- configurations ------------------------------------------------------------------------

def test_the_window_offers_no_convolutional_preset_yet(panel):
    offered = [panel.preset.itemData(i) for i in range(panel.preset.count())]
    assert offered == [n for n, p in PRESETS.items() if not p.config.arch]
    assert "lenet-small" in PRESETS and "lenet-small" not in offered
    with pytest.raises(KeyError):
        panel.apply_preset("lenet")


@pytest.mark.parametrize("name", list(WINDOW_PRESETS))
def test_every_preset_round_trips_field_by_field_without_signals(panel, name):
    rec = Recorder(panel)
    expected = PRESETS[name].config
    panel.set_config(expected)
    got = panel.config()
    for f in dataclasses.fields(TrainConfig):
        assert getattr(got, f.name) == getattr(expected, f.name), f.name
    assert got == expected
    assert panel.preset.currentData() == name
    assert rec.count() == 0 and not panel.needs_new_network()


@pytest.mark.parametrize("cfg", [
    TrainConfig(hidden=(64, 32, 16), activation=("tanh", "relu", "leaky_relu"), init="xavier",
                init_scale=0.0125, lr=0.0031622776601683794, momentum=0.37, schedule="step",
                step_epochs=2.5, gamma=0.3, l2=3.3e-4, dropout=0.25, batch_size=77, epochs=9,
                augmentation=Augmentation(0.12, 17, 3, 0.35), train_subset=5000, seed=42),
    TrainConfig(hidden=(), activation="tanh", schedule="cosine", min_lr_factor=0.05),
])
def test_other_configs_round_trip_exactly(panel, cfg):
    panel.set_config(cfg)
    assert panel.config() == cfg
    assert panel.preset.currentIndex() == -1  # no preset matches: "custom settings"


def test_per_layer_activations_reach_config_and_network(panel, qtbot, digits):
    rec = Recorder(panel)
    _, combo, _ = panel.arch.row_widgets(1)
    combo.setCurrentIndex(combo.findData("tanh"))
    assert panel.activations() == ["relu", "tanh"]
    cfg = panel.config()
    assert cfg.activation == ("relu", "tanh")
    net = make_network(cfg, digits.n_features, digits.n_classes)
    assert net.activation_names == ["relu", "tanh"]
    assert len(rec.structure) == 1 and rec.live == []
    panel.set_config(PRESETS["default"].config, activations=["sigmoid", "leaky_relu"])
    assert panel.activations() == ["sigmoid", "leaky_relu"]
    assert panel.config().activation == ("sigmoid", "leaky_relu")


# -- learning rate: log slider and exact box ----------------------------------------------

@pytest.mark.parametrize("pos", [0, 1, 100, 250, 350, 499, 500])
def test_lr_slider_emits_the_log_mapped_value(panel, pos):
    rec = Recorder(panel)
    assert (panel.lr.slider.minimum(), panel.lr.slider.maximum()) == (0, 500)
    panel.lr.slider.setValue(300 if pos != 300 else 200)  # make sure the next move is a change
    rec.live.clear()
    panel.lr.slider.setValue(pos)
    exact = 10.0 ** (-5 + pos / 100)  # 100 positions per decade from 1e-5
    assert len(rec.live) == 1 and list(rec.live[0]) == ["lr"]
    lr = rec.live[0]["lr"]
    assert lr == pytest.approx(exact, rel=5e-3)  # 3 significant digits
    assert float(f"{lr:.3g}") == lr
    assert panel.lr.value() == lr == panel.config().lr
    assert rec.structure == []


def test_lr_box_typed_value_is_kept_exactly_and_moves_the_slider(panel, qtbot):
    rec = Recorder(panel)
    type_into(qtbot, panel.lr.box, "3e-3")
    assert rec.live == [{"lr": 0.003}]
    assert panel.lr.slider.value() == round((math.log10(0.003) + 5) * 100) == 248
    assert panel.config().lr == 0.003
    assert panel.lr.box.text() == "0.003"
    type_into(qtbot, panel.lr.box, "0.0123456")
    assert rec.live[-1] == {"lr": 0.0123456}  # exact, not rounded to a slider position
    assert panel.lr.slider.value() == round((math.log10(0.0123456) + 5) * 100)


def test_log_box_arrows_walk_1_2_5_and_l2_reaches_zero(panel):
    box = panel.lr.box
    box.setValue(1e-3)
    seen = []
    for _ in range(3):
        box.stepBy(1)
        seen.append(box.value())
    assert seen == [2e-3, 5e-3, 1e-2]
    box.setValue(1e-5)
    box.stepBy(-1)
    assert box.value() == 1e-5
    panel.l2.setValue(1e-6)
    panel.l2.box.stepBy(-1)
    assert panel.l2.value() == 0.0 and panel.l2.slider.value() == 0
    panel.l2.box.stepBy(1)
    assert panel.l2.value() == 1e-6 and panel.l2.slider.value() == 1
    assert [format_number(v) for v in (1e-5, 0.05, 2.5e-4, 1.0)] == ["1e-5", "0.05", "0.00025", "1"]


# -- structure, banner, architecture ---------------------------------------------------

def test_hidden_width_change_emits_structure_and_shows_banner(panel):
    rec = Recorder(panel)
    width, _, _ = panel.arch.row_widgets(0)
    width.setValue(300)
    assert len(rec.structure) == 1 and rec.live == []
    assert panel.needs_new_network() and not panel.banner.isHidden()
    assert "New network (Ctrl+N)" in panel.banner.text()
    assert panel.config().hidden == (300, 128)
    assert panel.arch.summary.text() == "784 → 300 → 128 → 10"
    n = 784 * 300 + 300 + 300 * 128 + 128 + 128 * 10 + 10
    assert panel.arch.param_label.text() == f"{n:,} weights and biases"
    panel.set_needs_new_network(False)
    assert not panel.needs_new_network() and panel.banner.isHidden()


@pytest.mark.parametrize("widget,change", [
    ("init", lambda w: w.setCurrentIndex(w.findData("normal"))),
    ("loss", lambda w: w.setCurrentIndex(w.findData("mse"))),
    ("optimizer", lambda w: w.setCurrentIndex(w.findData("sgd"))),
    ("init_scale", lambda w: w.setValue(0.5)),
    ("train_subset", lambda w: w.setValue(1000)),
    ("val_split", lambda w: w.setValue(10)),
    ("seed", lambda w: w.setValue(7)),
])
def test_fields_that_need_a_new_network_say_so(panel, widget, change):
    rec = Recorder(panel)
    change(getattr(panel, widget))
    assert len(rec.structure) == 1 and rec.live == []
    assert panel.needs_new_network()


def test_add_and_remove_layers_between_0_and_6(panel, qtbot):
    rec = Recorder(panel)
    add = panel.arch.add_button()
    while add.isEnabled():
        qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert len(panel.config().hidden) == MAX_LAYERS
    assert panel.config().hidden[:3] == (256, 128, 64)  # each new layer half the last
    assert len(rec.structure) == MAX_LAYERS - 2
    while panel.config().hidden:
        qtbot.mouseClick(panel.arch.row_widgets(0)[2], Qt.MouseButton.LeftButton)
    cfg = panel.config()
    assert cfg.hidden == () and cfg.activation == "relu" and add.isEnabled()
    assert panel.arch.summary.text() == "784 → 10"
    assert panel.arch.param_label.text() == f"{784 * 10 + 10:,} weights and biases"
    assert parameter_count((784, 256, 128, 10)) == 235146


def test_a_bigger_network_than_the_editor_builds_is_shown_as_it_is(panel):
    cfg = TrainConfig(hidden=(4096,) + (16,) * 7, activation="tanh")  # e.g. from the CLI
    panel.set_config(cfg)
    assert panel.config() == cfg and not panel.arch.add_button().isEnabled()


def test_set_dataset_changes_input_and_output_sizes(panel):
    panel.set_dataset(SimpleNamespace(n_features=3072, n_classes=100))
    assert panel.arch.summary.text() == "3072 → 256 → 128 → 100"


# -- live fields --------------------------------------------------------------------------

def test_full_batch_checkbox_means_batch_size_0(panel):
    rec = Recorder(panel)
    panel.full_batch.setChecked(True)
    assert rec.live == [{"batch_size": 0}]
    assert panel.config().batch_size == 0 and not panel.batch_size.isEnabled()
    panel.full_batch.setChecked(False)
    assert rec.live[-1] == {"batch_size": 128} and panel.batch_size.isEnabled()
    panel.batch_size.setValue(32)
    assert rec.live[-1] == {"batch_size": 32} and rec.structure == []


def test_augmentation_sliders_give_augmentations_the_trainer_accepts(panel, digits):
    rec = Recorder(panel)
    panel.aug["noise_std"].slider.setValue(20)         # steps of 0.01
    panel.aug["max_rotation_deg"].slider.setValue(15)  # whole degrees
    panel.aug["max_shift_px"].box.setValue(3)
    panel.aug["thickness"].slider.setValue(6)          # steps of 0.05
    expected = Augmentation(noise_std=0.2, max_rotation_deg=15, max_shift_px=3, thickness=0.3)
    assert rec.live[-1] == {"augmentation": expected}
    assert [list(c) for c in rec.live] == [["augmentation"]] * 4
    assert panel.config().augmentation == expected
    assert panel.aug["max_shift_px"].slider.value() == 3
    cfg = TrainConfig(hidden=(8,), batch_size=32)
    trainer = Trainer(make_network(cfg, digits.n_features, digits.n_classes), digits, cfg)
    for changes in rec.live:
        trainer.request(**changes)
    trainer.step()
    assert trainer.config.augmentation == expected


def test_every_live_control_emits_values_the_trainer_accepts(panel, digits):
    rec = Recorder(panel)
    panel.momentum.slider.setValue(90)
    panel.schedule.setCurrentIndex(panel.schedule.findData("step"))
    panel.step_epochs.setValue(3)
    panel.gamma.slider.setValue(29)  # 0.01 + 29 · 0.01
    panel.l2.slider.setValue(101)  # one decade above 1e-6, after the 0 position
    panel.dropout.slider.setValue(30)
    panel.epochs.setValue(4)
    assert rec.live == [{"momentum": 0.9}, {"schedule": "step"}, {"step_epochs": 3.0},
                        {"gamma": 0.3}, {"l2": 1e-5}, {"dropout": 0.3}, {"epochs": 4}]
    assert rec.structure == []
    cfg = TrainConfig(hidden=(8,), batch_size=32)
    trainer = Trainer(make_network(cfg, digits.n_features, digits.n_classes), digits, cfg)
    for changes in rec.live:
        trainer.request(**changes)
    trainer.step()
    got = trainer.config
    assert (got.momentum, got.schedule, got.step_epochs, got.gamma, got.l2, got.dropout,
            got.epochs) == (0.9, "step", 3.0, 0.3, 1e-5, 0.3, 4)


def test_schedule_parameters_are_shown_only_when_relevant(panel):
    form = panel.schedule_form
    visible = {}
    for name in ("constant", "step", "cosine"):
        panel.schedule.setCurrentIndex(panel.schedule.findData(name))
        visible[name] = tuple(form.isRowVisible(w)
                              for w in (panel.step_epochs, panel.gamma, panel.min_lr_factor))
    assert visible == {"constant": (False, False, False), "step": (True, True, False),
                       "cosine": (False, False, True)}


def test_delay_slider_and_box_in_seconds(panel, qtbot):
    rec = Recorder(panel)
    panel.delay_ms.slider.setValue(panel.delay_ms.slider.maximum())
    assert rec.delay == [2.0] and panel.delay() == 2.0
    type_into(qtbot, panel.delay_ms.box, "250")
    assert rec.delay[-1] == 0.25 and panel.delay() == 0.25
    assert panel.delay_ms.slider.value() == 25  # steps of 10 ms
    assert rec.live == [] and rec.structure == []


def test_invalid_values_cannot_be_produced(panel, qtbot):
    panel.dropout.setValue(1.0)
    panel.momentum.setValue(1.5)
    panel.lr.setValue(0.0)
    panel.init_scale.setValue(0.0)
    panel.gamma.setValue(0.0)
    assert panel.dropout.value() < 1 and panel.momentum.value() < 1
    assert panel.lr.value() == 1e-5 and panel.init_scale.value() > 0 and panel.gamma.value() > 0
    type_into(qtbot, panel.dropout.box, "1")   # out of range: not accepted, value stays
    type_into(qtbot, panel.lr.box, "-1")       # "-" is never accepted by a [1e-5, 1] box
    type_into(qtbot, panel.lr.box, "abc")
    assert panel.dropout.value() == 0.95 and panel.lr.value() == 1e-5
    for field in (panel.lr, panel.momentum, panel.gamma, panel.min_lr_factor, panel.l2,
                  panel.dropout, *panel.aug.values()):
        for pos in (field.slider.minimum(), field.slider.maximum()):
            field.slider.setValue(pos)
            panel.config().validate()  # raises on an invalid combination


# -- presets, tooltips, state, theme -----------------------------------------------------

def test_choosing_a_preset_fills_everything_and_asks_for_a_new_network(panel):
    rec = Recorder(panel)
    index = panel.preset.findData("tiny-relu-fullbatch")
    panel.preset.activated.emit(index)  # what a user's choice in the combo emits
    assert rec.presets == ["tiny-relu-fullbatch"] and len(rec.structure) == 1
    assert panel.config() == PRESETS["tiny-relu-fullbatch"].config
    assert panel.full_batch.isChecked() and panel.needs_new_network()
    assert panel.preset_summary.text() == PRESETS["tiny-relu-fullbatch"].summary
    panel.lr.setValue(0.05)  # now it is no preset any more
    assert panel.preset.currentIndex() == -1 and "own settings" in panel.preset_summary.text()
    panel.lr.setValue(0.1)
    assert panel.preset.currentData() == "tiny-relu-fullbatch"


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def test_every_input_has_a_short_plain_tooltip(panel, qtbot):
    qtbot.mouseClick(panel.arch.add_button(), Qt.MouseButton.LeftButton)  # rows made later too
    inputs = [w for kind in (QAbstractSpinBox, QComboBox, QAbstractSlider, QAbstractButton)
              for w in panel.findChildren(kind) if not isinstance(w, QScrollBar | HelpButton)]
    assert len(inputs) > 40
    for w in inputs:
        tip = w.toolTip()
        assert tip, f"{type(w).__name__} {w.objectName() or w.accessibleName()} has no tooltip"
        assert 1 <= _sentences(tip) <= 2 and len(tip) < 260, tip


def test_each_group_has_a_question_mark_in_its_title_row(panel, qtbot):
    """The ⟳ / ● legend under the preset moved into the groups' "?" (the same words)."""
    with qtbot.waitExposed(panel):
        panel.show()
    boxes = panel.findChildren(QGroupBox)
    assert len(boxes) == len(HELP) == 6
    for box, about in zip(boxes, HELP.values(), strict=True):
        [button] = [b for b in box.findChildren(HelpButton) if b.parentWidget() is box]
        assert button.topic is about and button.targets == [box]
        assert button.y() == 0 and button.geometry().right() == box.width() - 7
        assert box.statusTip() == about.hint
    assert "Groups marked ⟳ take effect with a New network (Ctrl+N)" in HELP["preset"].text
    assert "Groups marked ● are live: a change applies at the next batch" in HELP["preset"].text
    assert not [label for label in panel.findChildren(QLabel) if "⟳ needs" in label.text()]


def test_momentum_and_l2_say_what_the_engine_does(panel):
    label = panel.schedule_form.labelForField
    tip = panel.momentum.toolTip()
    assert label(panel.momentum).text() == "Momentum / β₁"
    assert "0 means no momentum, plain SGD, or for Adam its default β₁ = 0.9" in tip
    assert "the same at the start as mid-run, where a change applies at the next batch" in tip
    # ... which is the rule the engine follows, at the start and mid-run alike.
    assert [effective_momentum(n, 0.0) for n in ("sgd", "momentum", "adam")] == [0.0, 0.0, 0.9]
    tip = panel.l2.toolTip()
    assert label(panel.l2).text() == "L2 on weights"
    assert tip.startswith("Coupled L2 on the weights only, not the biases: λ·W is added to each "
                          "weight's gradient, so Adam rescales it")
    assert "The plotted losses leave out the penalty λ/2·Σ‖W‖²" in tip


def test_choosing_sgd_with_momentum_at_momentum_0_sets_0_9(panel):
    rec = Recorder(panel)
    assert panel.config().optimizer == "adam" and panel.config().momentum == 0.0
    select = panel.optimizer.findData("momentum")
    panel.optimizer.setCurrentIndex(select)
    assert panel.config().momentum == 0.9 and panel.momentum.slider.value() == 90
    assert rec.live == [] and rec.structure == [True]  # for the next network, not the run
    panel.momentum.setValue(0.5)
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("sgd"))
    panel.optimizer.setCurrentIndex(select)
    assert panel.config().momentum == 0.5  # a momentum already chosen is kept
    # A config that says momentum 0 is shown as it is: plain SGD.
    panel.set_config(TrainConfig(optimizer="momentum", momentum=0.0))
    assert panel.config().momentum == 0.0


def test_state_round_trips_through_json_without_signals(panel, qtbot):
    panel.arch.row_widgets(0)[1].setCurrentIndex(2)  # sigmoid in the first layer
    panel.lr.setValue(0.0042)
    panel.full_batch.setChecked(True)
    panel.aug["max_rotation_deg"].setValue(10)
    panel.delay_ms.setValue(500)
    panel.val_split.setValue(12)
    state = json.loads(json.dumps(panel.state()))
    other = ControlsPanel()
    qtbot.addWidget(other)
    rec = Recorder(other)
    other.restore_state(state)
    assert other.config() == panel.config() and other.activations() == ["sigmoid", "relu"]
    assert other.delay() == 0.5 and rec.count() == 0
    assert other.val_fraction() == 0.12


def test_the_validation_split_is_0_to_30_percent_none_by_default(panel, qtbot):
    box = panel.val_split
    assert panel.val_fraction() == 0.0 and box.text() == "none"  # nnviz train's default
    assert (box.minimum(), box.maximum(), box.suffix()) == (0, 30, " %")
    rec = Recorder(panel)
    type_into(qtbot, box, "10")
    assert panel.val_fraction() == 0.1 and box.text() == "10 %"
    assert len(rec.structure) == 1 and panel.needs_new_network()
    box.setValue(45)  # no further than 30 %
    assert panel.val_fraction() == 0.3
    box.setValue(10)
    panel.apply_preset(next(iter(WINDOW_PRESETS)))  # a preset is about the network, not the data
    assert panel.val_fraction() == 0.1
    state = panel.state()
    panel.restore_state({**state, "val_fraction": 0.5})  # from another version: ignored
    assert panel.val_fraction() == 0.1
    panel.restore_state({key: v for key, v in state.items() if key != "val_fraction"})
    assert panel.val_fraction() == 0.0  # older settings had none


@pytest.mark.parametrize("bad", [{}, {"config": {"lr": -1}}, {"config": {"nope": 1}},
                                 {"config": {"hidden": [0]}}, {"config": [1, 2]}, None])
def test_unusable_state_is_ignored(panel, bad):
    panel.lr.setValue(0.02)
    before = panel.config()
    panel.restore_state(bad)
    assert panel.config() == before


def test_theme_switches_both_ways(panel):
    for theme in (DARK, LIGHT, DARK):
        panel.set_theme(theme)
        assert theme.muted in panel.preset_summary.styleSheet()
        assert theme.foreground in panel.banner.styleSheet()
    assert "#3a3320" in panel.banner.styleSheet()


def test_wheel_over_an_unfocused_input_leaves_the_value_alone(panel, qtbot):
    """Qt offers a spontaneous wheel event that a filter handled but did not accept to the
    parent widgets, so the scroll area scrolls; synthetic events never propagate, so this
    checks the two halves: the value stays, and the event goes back unaccepted."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    panel.show()
    qtbot.waitExposed(panel)

    def wheel(widget):
        centre = QPointF(widget.rect().center())
        event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(),
                            QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(widget, event)
        return event.isAccepted()

    lr, position = panel.lr.value(), panel.lr.slider.value()
    width = panel.arch.row_widgets(0)[0]
    assert not wheel(panel.lr.slider) and not wheel(panel.init) and not wheel(width)
    assert panel.lr.value() == lr and panel.lr.slider.value() == position
    assert panel.init.currentData() == "he" and width.value() == 256
    panel.lr.slider.setFocus()
    qtbot.waitUntil(panel.lr.slider.hasFocus)
    assert wheel(panel.lr.slider)
    assert panel.lr.slider.value() != position and panel.lr.value() != lr


# -- the session model's configuration -----------------------------------------------------

def test_the_panel_shows_the_models_configuration_without_signals(panel, digits):
    """A network made elsewhere (a loaded model, a run, a lesson's preset) is shown: the
    panel subscribes to the model's configuration, and showing it emits nothing."""
    from nnviz.session import SessionModel
    model = SessionModel.alone("controls", panel)
    model.set_dataset(digits, "tiny")
    rec = Recorder(panel)
    cfg = PRESETS["tiny-relu-fullbatch"].config
    model.set_config(cfg)
    assert panel.config() == cfg and panel.preset.currentData() == "tiny-relu-fullbatch"
    model.change_config(lr=0.02, epochs=7)  # live changes of the run
    assert panel.lr.value() == 0.02 and panel.epochs.value() == 7
    model.set_config(None)  # no network: the controls keep what they show
    assert panel.config() == cfg.replace(lr=0.02, epochs=7)
    assert (rec.live, rec.structure) == ([], []) and not panel.needs_new_network()


def test_edits_for_the_next_network_survive_the_runs_live_changes(panel, digits):
    from nnviz.session import SessionModel
    model = SessionModel.alone("controls", panel)
    model.set_config(panel.config())
    panel.seed.setValue(7)  # for the next network: the banner is up
    panel.arch.row_widgets(0)[0].setValue(300)
    rec = Recorder(panel)
    model.change_config(lr=0.004, dropout=0.25)
    assert panel.lr.value() == 0.004 and panel.dropout.value() == 0.25
    assert panel.seed.value() == 7 and panel.config().hidden == (300, 128)
    assert panel.needs_new_network() and (rec.live, rec.structure) == ([], [])
