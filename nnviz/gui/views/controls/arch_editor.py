"""The architecture editor: hidden layers as rows of width and activation, added and removed.

Below the rows, the whole network reads as "784 → 256 → 128 → 10" with its parameter count,
so the cost of a change is visible before a new network is built.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.gui.widgets.fields import guard_wheel

MAX_LAYERS = 6
MAX_WIDTH = 2048
# (engine name, shown name); the output layer's identity is not a choice for hidden layers.
ACTIVATION_CHOICES = (("relu", "ReLU"), ("leaky_relu", "leaky ReLU"),
                      ("sigmoid", "sigmoid"), ("tanh", "tanh"))

TIP_WIDTH = ("Number of units in this hidden layer. More units can learn more features, "
             "but train slower and can overfit a small training set.")
TIP_ACTIVATION = ("The nonlinearity f(z) this layer applies. ReLU trains fast; sigmoid and tanh "
                  "saturate for large |z|, where gradients vanish and learning slows.")
TIP_ADD = ("Add a hidden layer just before the output. Deeper nets can represent more, but are "
           "harder to train with a naive initialisation.")
TIP_REMOVE = ("Remove this hidden layer. With no hidden layer at all the network is a linear "
              "softmax classifier.")


def parameter_count(sizes: tuple[int, ...]) -> int:
    """Weights and biases of a dense network with layer ``sizes`` (n_0, …, n_L)."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


class ArchitectureEditor(QWidget):
    """Rows of (width, activation), one per hidden layer; the user adds up to ``MAX_LAYERS``.

    Emits ``changed`` when the user edits, adds or removes a layer; :meth:`set_layers`
    does not emit.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._n_in, self._n_out = 784, 10
        self._fallback_activation = "relu"  # what a first layer added to an empty net gets
        self._rows: list[tuple[QLabel, QSpinBox, QComboBox, QToolButton]] = []
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setColumnStretch(2, 1)
        self._empty = QLabel("No hidden layer: a linear classifier.")
        self._add = QPushButton("+ Add hidden layer")
        self._add.setToolTip(TIP_ADD)
        self._add.clicked.connect(self._add_layer)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.param_label = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self._add)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._grid)
        layout.addWidget(self._empty)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.param_label)
        self.set_layers((256, 128), ["relu", "relu"])

    # -- public --------------------------------------------------------------------------

    def hidden(self) -> tuple[int, ...]:
        """Widths of the hidden layers, input side first."""
        return tuple(spin.value() for _, spin, _, _ in self._rows)

    def activations(self) -> list[str]:
        """Activation name of each hidden layer."""
        return [combo.currentData() for _, _, combo, _ in self._rows]

    def fallback_activation(self) -> str:
        """The activation to record when there is no hidden layer (the last one seen)."""
        return self._fallback_activation

    def set_layers(self, hidden, activations, fallback: str | None = None) -> None:
        """Show ``hidden`` widths with their ``activations`` (same length); does not emit.

        ``fallback`` is the activation a first layer added to an empty network gets.
        """
        hidden, activations = list(hidden), list(activations)
        if fallback is not None:
            self._fallback_activation = fallback
        if len(hidden) != len(activations):
            raise ValueError(f"{len(activations)} activations for {len(hidden)} hidden layers")
        # More than MAX_LAYERS or wider than MAX_WIDTH (a checkpoint from the CLI) is shown
        # as it is: the limits only bound what the editor itself adds.
        self._rebuild(hidden, activations)

    def set_io(self, n_in: int, n_out: int) -> None:
        """Sizes of the input and output layers, for the summary."""
        self._n_in, self._n_out = int(n_in), int(n_out)
        self._update_summary()

    def row_widgets(self, i: int) -> tuple[QSpinBox, QComboBox, QToolButton]:
        """The width box, activation combo and remove button of hidden layer ``i``."""
        return self._rows[i][1:]

    def add_button(self) -> QPushButton:
        return self._add

    def sizes(self) -> tuple[int, ...]:
        """All layer sizes, input to output."""
        return (self._n_in, *self.hidden(), self._n_out)

    # -- rows ----------------------------------------------------------------------------

    def _rebuild(self, hidden: list[int], activations: list[str]) -> None:
        for widgets in self._rows:
            for w in widgets:
                # Not setParent(None): a remove button is rebuilt from inside its own click,
                # and only deleteLater is safe there.
                self._grid.removeWidget(w)
                w.hide()
                w.deleteLater()
        self._rows = [self._make_row(i, h, a) for i, (h, a) in enumerate(zip(hidden, activations))]
        if activations:
            self._fallback_activation = activations[-1]
        self._empty.setVisible(not self._rows)
        self._add.setEnabled(len(self._rows) < MAX_LAYERS)
        self._update_summary()

    def _make_row(self, i: int, width: int, activation: str):
        label = QLabel(f"Layer {i + 1}")
        spin = QSpinBox()
        spin.setRange(1, max(MAX_WIDTH, int(width)))
        spin.setValue(int(width))
        spin.setKeyboardTracking(False)
        spin.setToolTip(TIP_WIDTH)
        spin.valueChanged.connect(self._edited)
        combo = QComboBox()
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        for name, text in ACTIVATION_CHOICES:
            combo.addItem(text, name)
        index = combo.findData(activation)
        if index < 0:
            raise ValueError(f"unknown hidden activation {activation!r}")
        combo.setCurrentIndex(index)
        combo.setToolTip(TIP_ACTIVATION)
        combo.currentIndexChanged.connect(self._edited)
        guard_wheel(spin)
        guard_wheel(combo)
        remove = QToolButton()
        remove.setText("✕")
        remove.setToolTip(TIP_REMOVE)
        remove.setAccessibleName(f"Remove layer {i + 1}")
        remove.clicked.connect(lambda _=False, row=i: self._remove_layer(row))
        for column, w in enumerate((label, spin, combo, remove)):
            self._grid.addWidget(w, i, column)
        return label, spin, combo, remove

    def _add_layer(self) -> None:
        hidden, acts = list(self.hidden()), self.activations()
        if len(hidden) >= MAX_LAYERS:
            return
        # A new last layer: half the previous width (nets usually narrow towards the output).
        hidden.append(max(hidden[-1] // 2, self._n_out) if hidden else 64)
        acts.append(acts[-1] if acts else self._fallback_activation)
        self._rebuild(hidden, acts)
        self.changed.emit()

    def _remove_layer(self, row: int) -> None:
        hidden, acts = list(self.hidden()), self.activations()
        self._fallback_activation = acts[row]
        del hidden[row], acts[row]
        self._rebuild(hidden, acts)
        self.changed.emit()

    def _edited(self, *_) -> None:
        acts = self.activations()
        if acts:
            self._fallback_activation = acts[-1]
        self._update_summary()
        self.changed.emit()

    def _update_summary(self) -> None:
        sizes = self.sizes()
        self.summary.setText(" → ".join(str(n) for n in sizes))
        self.param_label.setText(f"{parameter_count(sizes):,} weights and biases")
