"""The Controls panel: every hyperparameter of a run, a preset chooser and a slow-motion delay.

Controls are grouped by when they take effect. Those that define the network or its data
(architecture, initialisation, loss, optimiser, subset, validation split, seed) need a new
network: changing one
emits ``structure_changed`` and shows a banner. The others (``LIVE_FIELDS``) emit
``live_changed`` with values ready for ``Trainer.request(**changes)``, which applies them at
the next batch. Every control carries a tooltip (``control_text.TIPS``) saying what it does
to learning.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnviz.charts.theme import LIGHT, Theme
from nnviz.engine.augment import MAX_ROTATION_DEG, MAX_SHIFT_PX, Augmentation
from nnviz.engine.config import LIVE_FIELDS, TrainConfig
from nnviz.engine.presets import PRESETS
from nnviz.gui.views.controls.arch_editor import ArchitectureEditor
from nnviz.gui.views.controls.text import (
    BANNER_TEXT,
    HELP,
    INITS,
    LIVE_TAG,
    LOSSES,
    NEW_NETWORK_TAG,
    OPTIMIZERS,
    SCHEDULES,
    TIPS,
)
from nnviz.gui.widgets.fields import (
    NumberBox,
    combo_box,
    guard_wheel,
    int_box,
    linear_field,
    log_field,
    select_data,
)
from nnviz.gui.widgets.help import group_help
from nnviz.session.model import MAX_VAL_FRACTION, check_val_fraction

# The window does not show convolutional layers yet: its Controls offer the presets it can
# train and show (a CNN preset's arch would be dropped, training a linear classifier).
WINDOW_PRESETS = {name: p for name, p in PRESETS.items() if not p.config.arch}
DEFAULT_MOMENTUM = 0.9  # what choosing "SGD with momentum" sets when momentum is 0
AUG_FIELDS = ("noise_std", "max_rotation_deg", "max_shift_px", "thickness")
MAX_DELAY_MS = 2000


def _build_config(values: dict) -> TrainConfig:
    """The TrainConfig for the panel's ``values`` (TrainConfig fields, with per-layer
    ``activations`` and the ``fallback_activation`` kept when there is no hidden layer).

    One activation name when every hidden layer has the same, else one per layer.
    """
    values = dict(values)
    acts, fallback = values.pop("activations"), values.pop("fallback_activation")
    values["activation"] = (fallback if not acts else acts[0] if len(set(acts)) == 1
                            else tuple(acts))
    return TrainConfig(**values)


def _activations_of(cfg: TrainConfig) -> list[str]:
    """One activation name per hidden layer of ``cfg``."""
    a = cfg.activation
    return [a] * len(cfg.hidden) if isinstance(a, str) else list(a)


class ControlsPanel(QWidget):
    """Every hyperparameter of a run, grouped by when it takes effect.

    Signals
    -------
    live_changed(dict)
        Live fields that changed, e.g. ``{"lr": 0.003}``; ``augmentation`` as an Augmentation.
    structure_changed()
        A field that needs a new network changed (the banner is shown too).
    delay_changed(float)
        Slow-motion delay in seconds per batch, 0 … 2.
    preset_chosen(str)
        The user chose a preset (every control is filled already).
    """

    live_changed = Signal(dict)
    structure_changed = Signal()
    delay_changed = Signal(float)
    preset_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._quiet = 0
        self._muted: list[QLabel] = []  # secondary text, recoloured by set_theme
        self.banner = QLabel(BANNER_TEXT)
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        content = QWidget()
        groups = QVBoxLayout(content)
        groups.setContentsMargins(6, 6, 6, 6)
        builders = {"preset": self._preset_group, "architecture": self._architecture_group,
                    "setup": self._setup_group, "optimisation": self._optimisation_group,
                    "augmentation": self._augmentation_group, "demo": self._demo_group}
        for name in HELP:  # the groups, in order: a "?" in each title row
            group = builders[name]()
            group_help(group, HELP[name])
            groups.addWidget(group)
        groups.addStretch(1)
        scroll = self._scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        self._wire()
        self.set_config(PRESETS["default"].config)
        self.set_theme(LIGHT)

    def minimumSizeHint(self):  # noqa: N802 (Qt naming)
        """As wide as the groups' fields need beside the scroll bar (it scrolls only
        vertically: narrower, the fields' right parts would be cut), as low as one row."""
        hint = super().minimumSizeHint()
        bar = self._scroll.verticalScrollBar().sizeHint().width()
        hint.setWidth(self._scroll.widget().minimumSizeHint().width() + bar + 2)
        return hint

    # -- public API ----------------------------------------------------------------------

    def config(self) -> TrainConfig:
        """Everything as currently set."""
        return _build_config(self._values())

    def activations(self) -> list[str]:
        """Activation name per hidden layer."""
        return self.arch.activations()

    def set_config(self, cfg: TrainConfig, activations: list[str] | None = None) -> None:
        """Show ``cfg`` (per-layer ``activations`` override its own); emits nothing."""
        acts = list(activations) if activations is not None else _activations_of(cfg)
        fallback = cfg.activation if isinstance(cfg.activation, str) else None
        with self._silenced():
            self.arch.set_layers(cfg.hidden, acts, fallback=fallback)
            for combo, name in ((self.init, cfg.init), (self.loss, cfg.loss),
                                (self.optimizer, cfg.optimizer), (self.schedule, cfg.schedule)):
                select_data(combo, name)
            for field, value in self._number_fields(cfg).items():
                field.setValue(value)
            self.full_batch.setChecked(cfg.batch_size == 0)
            if cfg.batch_size:
                self.batch_size.setValue(cfg.batch_size)
            for name in AUG_FIELDS:
                self.aug[name].setValue(getattr(cfg.augmentation, name))
        self._update_dependent()

    def val_fraction(self) -> float:
        """Share of the training images to hold out as validation for the next network."""
        return self.val_split.value() / 100

    def set_val_fraction(self, fraction: float) -> None:
        """Show ``fraction`` (0 … ``MAX_VAL_FRACTION``, rounded to whole percent); emits
        nothing."""
        with self._silenced():
            self.val_split.setValue(round(100 * check_val_fraction(fraction)))

    def delay(self) -> float:
        """Slow-motion delay in seconds per batch."""
        return self.delay_ms.value() / 1000.0

    def set_needs_new_network(self, needed: bool) -> None:
        """Show or hide the "take effect with a New network" banner."""
        self.banner.setVisible(bool(needed))

    def needs_new_network(self) -> bool:
        return not self.banner.isHidden()

    def apply_preset(self, name: str) -> None:
        """Fill every control from preset ``name``; emits ``preset_chosen`` and
        ``structure_changed``."""
        self.set_config(WINDOW_PRESETS[name].config)
        self.preset_chosen.emit(name)
        self._structure_edited()

    def state(self) -> dict:
        """JSON-able settings, for :meth:`restore_state` (e.g. through QSettings)."""
        return {"config": self.config().to_dict(), "activations": self.activations(),
                "val_fraction": self.val_fraction(), "delay_ms": self.delay_ms.value()}

    def restore_state(self, state: dict) -> None:
        """Show the settings of :meth:`state`; emits nothing. Unusable state is ignored, so
        settings from another version never stop the app from starting."""
        previous = self.config(), self.activations()
        try:
            cfg = TrainConfig.from_dict(dict(state["config"]))
            acts = state.get("activations")
            if acts is not None and len(acts) != len(cfg.hidden):
                acts = None
            delay = float(state.get("delay_ms", 0.0))
            val_fraction = check_val_fraction(state.get("val_fraction", 0.0))
            self.set_config(cfg, acts)
        except (KeyError, TypeError, ValueError):
            self.set_config(*previous)
            return
        self.set_val_fraction(val_fraction)
        with self._silenced():
            self.delay_ms.setValue(delay)

    def show_config(self, config: TrainConfig | None) -> None:
        """The session's network is made with ``config`` (a new network, a loaded model, a
        live change): show it, emitting nothing. While fields that need a new network are
        being edited (the banner is up), those edits stay and only the live fields follow
        the run. None (no network) leaves the controls as they are."""
        if config is None or config == self.config():
            return
        if self.needs_new_network():
            mine = self.config()
            live = mine.replace(**{name: getattr(config, name) for name in LIVE_FIELDS})
            if live != mine:
                self.set_config(live, self.activations())
        else:
            self.set_config(config)

    def set_dataset(self, ds) -> None:
        """Use the input and output sizes of ``ds`` in the architecture summary."""
        self.arch.set_io(ds.n_features, ds.n_classes)

    def set_theme(self, theme: Theme) -> None:
        """Recolour the secondary text and the banner."""
        for label in self._muted:
            label.setStyleSheet(f"color: {theme.muted};")
        if theme.dark:
            back, edge, text = "#3a3320", "#fdd663", theme.foreground
        else:
            back, edge, text = "#fef7e0", "#f9ab00", theme.foreground
        self.banner.setStyleSheet(f"QLabel {{ background: {back}; color: {text}; "
                                  f"border: 1px solid {edge}; border-radius: 4px; padding: 6px; "
                                  "font-weight: bold; }")

    # -- building ------------------------------------------------------------------------

    @staticmethod
    def _group(title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return box, form

    def _muted_label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        self._muted.append(label)
        return label

    @staticmethod
    def _row(form: QFormLayout, text: str, field: QWidget, tip: str) -> None:
        field.setToolTip(tip)
        form.addRow(text, field)
        form.labelForField(field).setToolTip(tip)

    def _preset_group(self) -> QGroupBox:
        box, form = self._group("Preset")
        self.preset = combo_box(((name, name) for name in WINDOW_PRESETS), TIPS["preset"])
        self.preset.setPlaceholderText("custom settings")
        self.preset_summary = self._muted_label("")
        form.addRow(self.preset)
        form.addRow(self.preset_summary)
        return box

    def _architecture_group(self) -> QGroupBox:
        box, form = self._group("Architecture" + NEW_NETWORK_TAG)
        self.arch = ArchitectureEditor()
        form.addRow(self.arch)
        return box

    def _setup_group(self) -> QGroupBox:
        box, form = self._group("Initialisation, loss, data" + NEW_NETWORK_TAG)
        self.init = combo_box(INITS, TIPS["init"])
        self.init_scale = NumberBox(1e-4, 100.0, log=True)
        guard_wheel(self.init_scale)
        self.loss = combo_box(LOSSES, TIPS["loss"])
        self.optimizer = combo_box(OPTIMIZERS, TIPS["optimizer"])
        self.train_subset = int_box(0, 1_000_000, TIPS["train_subset"], special="all")
        self.val_split = int_box(0, round(100 * MAX_VAL_FRACTION), TIPS["val_fraction"],
                                 special="none")
        self.val_split.setSuffix(" %")
        self.seed = int_box(0, 2**31 - 1, TIPS["seed"])
        self._row(form, "Initialiser", self.init, TIPS["init"])
        self._row(form, "Init scale ×", self.init_scale, TIPS["init_scale"])
        self._row(form, "Loss", self.loss, TIPS["loss"])
        self._row(form, "Optimiser", self.optimizer, TIPS["optimizer"])
        self._row(form, "Training subset", self.train_subset, TIPS["train_subset"])
        self._row(form, "Validation split", self.val_split, TIPS["val_fraction"])
        self._row(form, "Seed", self.seed, TIPS["seed"])
        return box

    def _optimisation_group(self) -> QGroupBox:
        box, form = self._group("Optimisation" + LIVE_TAG)
        self.schedule_form = form
        self.lr = log_field(1e-5, 1.0)
        self.momentum = linear_field(0.0, 0.99, 0.01)
        self.schedule = combo_box(SCHEDULES, TIPS["schedule"])
        self.step_epochs = NumberBox(0.1, 10_000.0, step=1.0, suffix=" epochs")
        guard_wheel(self.step_epochs)
        self.gamma = linear_field(0.01, 1.0, 0.01)
        self.min_lr_factor = linear_field(0.0, 1.0, 0.01)
        self.l2 = log_field(1e-6, 0.1, zero=True)
        self.dropout = linear_field(0.0, 0.95, 0.01)
        self.batch_size = int_box(1, 1_000_000, TIPS["batch_size"])
        self.full_batch = QCheckBox("full batch")
        self.full_batch.setToolTip(TIPS["full_batch"])
        batch = QWidget()
        row = QHBoxLayout(batch)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.batch_size, 1)
        row.addWidget(self.full_batch)
        self.epochs = int_box(1, 100_000, TIPS["epochs"])
        for text, field, key in (("Learning rate", self.lr, "lr"),
                                 ("Momentum / β₁", self.momentum, "momentum"),
                                 ("Schedule", self.schedule, "schedule"),
                                 ("Drop every", self.step_epochs, "step_epochs"),
                                 ("Drop factor γ", self.gamma, "gamma"),
                                 ("Final lr factor", self.min_lr_factor, "min_lr_factor"),
                                 ("L2 on weights", self.l2, "l2"),
                                 ("Dropout", self.dropout, "dropout"),
                                 ("Batch size", batch, "batch_size"),
                                 ("Epochs", self.epochs, "epochs")):
            self._row(form, text, field, TIPS[key])
        return box

    def _augmentation_group(self) -> QGroupBox:
        box, form = self._group("Augmentation" + LIVE_TAG)
        self.aug = {"noise_std": linear_field(0.0, 1.0, 0.01),
                    "max_rotation_deg": linear_field(0, MAX_ROTATION_DEG, 1, suffix="°",
                                                     integer=True),
                    "max_shift_px": linear_field(0, MAX_SHIFT_PX, 1, suffix=" px", integer=True),
                    "thickness": linear_field(0.0, 1.0, 0.05)}
        for text, name in (("Pixel noise σ", "noise_std"), ("Rotation up to ±", "max_rotation_deg"),
                           ("Shift up to ±", "max_shift_px"), ("Thicker/thinner", "thickness")):
            self._row(form, text, self.aug[name], TIPS[name])
        return box

    def _demo_group(self) -> QGroupBox:
        box, form = self._group("Slow motion" + LIVE_TAG)
        self.delay_ms = linear_field(0, MAX_DELAY_MS, 10, suffix=" ms", integer=True)
        self._row(form, "Pause per batch", self.delay_ms, TIPS["delay"])
        return box

    # -- behaviour -----------------------------------------------------------------------

    def _wire(self) -> None:
        self.preset.activated.connect(lambda i: self.apply_preset(self.preset.itemData(i)))
        self.arch.changed.connect(self._structure_edited)
        self.optimizer.currentIndexChanged.connect(self._optimizer_edited)  # before the next
        for combo in (self.init, self.loss, self.optimizer):
            combo.currentIndexChanged.connect(self._structure_edited)
        for spin in (self.init_scale, self.train_subset, self.val_split, self.seed):
            spin.valueChanged.connect(self._structure_edited)
        live_numbers = {"lr": self.lr, "momentum": self.momentum, "step_epochs": self.step_epochs,
                        "gamma": self.gamma, "min_lr_factor": self.min_lr_factor, "l2": self.l2,
                        "dropout": self.dropout, "epochs": self.epochs}
        for name, field in live_numbers.items():
            field.valueChanged.connect(lambda v, name=name: self._live_edited({name: v}))
        self.schedule.currentIndexChanged.connect(
            lambda _: self._live_edited({"schedule": self.schedule.currentData()}))
        self.batch_size.valueChanged.connect(self._batch_edited)
        self.full_batch.toggled.connect(self._batch_edited)
        for field in self.aug.values():
            field.valueChanged.connect(
                lambda _: self._live_edited({"augmentation": self._augmentation()}))
        self.delay_ms.valueChanged.connect(self._delay_edited)

    @contextlib.contextmanager
    def _silenced(self):
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _live_edited(self, changes: dict) -> None:
        if not self._quiet:
            self._update_dependent()
            self.live_changed.emit(changes)

    def _structure_edited(self, *_) -> None:
        if not self._quiet:
            self._update_dependent()
            self.set_needs_new_network(True)
            self.structure_changed.emit()

    def _optimizer_edited(self, *_) -> None:
        """Choosing "SGD with momentum" while momentum is 0 (plain SGD) sets the classic 0.9,
        so the choice means what it says. Quietly: it is for the next network, not the run."""
        chose_momentum = self.optimizer.currentData() == "momentum"
        if not self._quiet and chose_momentum and not self.momentum.value():
            with self._silenced():
                self.momentum.setValue(DEFAULT_MOMENTUM)

    def _batch_edited(self, *_) -> None:
        self.batch_size.setEnabled(not self.full_batch.isChecked())
        self._live_edited({"batch_size": self._batch_value()})

    def _delay_edited(self, ms: float) -> None:
        if not self._quiet:
            self.delay_changed.emit(ms / 1000.0)

    def _update_dependent(self) -> None:
        """Show the schedule's own parameters only, and which preset (if any) is set."""
        name = self.schedule.currentData()
        self.schedule_form.setRowVisible(self.step_epochs, name == "step")
        self.schedule_form.setRowVisible(self.gamma, name == "step")
        self.schedule_form.setRowVisible(self.min_lr_factor, name == "cosine")
        self.batch_size.setEnabled(not self.full_batch.isChecked())
        cfg = self.config()
        match = next((p for p in WINDOW_PRESETS.values() if p.config == cfg), None)
        self.preset.setCurrentIndex(self.preset.findData(match.name) if match else -1)
        self.preset_summary.setText(match.summary if match else
                                    "Your own settings: choose a preset to start over from one.")

    # -- reading -------------------------------------------------------------------------

    def _batch_value(self) -> int:
        return 0 if self.full_batch.isChecked() else self.batch_size.value()

    def _augmentation(self) -> Augmentation:
        return Augmentation(**{name: self.aug[name].value() for name in AUG_FIELDS})

    def _number_fields(self, cfg: TrainConfig) -> dict:
        """Each numeric field with its value in ``cfg`` (batch size and augmentation aside)."""
        return {self.init_scale: cfg.init_scale, self.train_subset: cfg.train_subset,
                self.seed: cfg.seed, self.lr: cfg.lr, self.momentum: cfg.momentum,
                self.step_epochs: cfg.step_epochs, self.gamma: cfg.gamma,
                self.min_lr_factor: cfg.min_lr_factor, self.l2: cfg.l2,
                self.dropout: cfg.dropout, self.epochs: cfg.epochs}

    def _values(self) -> dict:
        return {"hidden": self.arch.hidden(), "activations": self.arch.activations(),
                "fallback_activation": self.arch.fallback_activation(),
                "init": self.init.currentData(), "init_scale": self.init_scale.value(),
                "loss": self.loss.currentData(), "optimizer": self.optimizer.currentData(),
                "lr": self.lr.value(), "momentum": self.momentum.value(),
                "schedule": self.schedule.currentData(), "step_epochs": self.step_epochs.value(),
                "gamma": self.gamma.value(), "min_lr_factor": self.min_lr_factor.value(),
                "l2": self.l2.value(), "dropout": self.dropout.value(),
                "batch_size": self._batch_value(), "epochs": self.epochs.value(),
                "augmentation": self._augmentation(), "train_subset": self.train_subset.value(),
                "seed": self.seed.value()}
