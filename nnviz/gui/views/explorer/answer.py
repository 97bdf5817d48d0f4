"""The network's answer to the current example: the 28×28 input it receives, the predicted
class in large type with how sure it is, and one bar per class."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnviz.charts.output_bars import LABEL_PT, OutputBars
from nnviz.charts.parts import image_plot, restyle, style_hover
from nnviz.charts.theme import LIGHT, Theme
from nnviz.gui.widgets.help import chart_help, topic

INPUT_HELP = topic(
    "answer.input", "Network input",
    "The drawing as the network receives it: cropped, scaled and centred into 28 × 28 "
    "pixels, each a value between 0 and 1. When this looks unlike an MNIST digit (too thin, "
    "off-centre, cut off), expect a worse answer.",
    "The 28 × 28 image the network receives, after cropping, scaling and centring")
BARS_HELP = topic(
    "answer.bars", "The answer: p = softmax(z)",
    "The network's probability for each class: together they sum to 1, and the longest bar "
    "is its answer, written large above. Hover a bar for its logit z, and follow the "
    "stepper to see where a confident wrong answer comes from.",
    "The probability of each class for this input · the longest bar is the answer")
CLASS_PT, SURE_PT = 22, 12  # the answer line: the class, then how sure (Theme.points scales)


class AnswerPanel(QWidget):
    """Input image, answer line and probability bars.

    Attributes
    ----------
    answer_text : str
        E.g. "7 · 93.1 % sure" (or "true 7 ✓" appended for a test image).
    x : ndarray (n_in,) or None
        The input last shown.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.answer = QLabel("—")
        self.answer.setToolTip("The class with the highest probability, and that probability")
        self.graphics = pg.GraphicsLayoutWidget()
        self.input_plot, self.input_image = image_plot("Input x")  # short: the bars need the width
        self.graphics.addItem(self.input_plot, row=0, col=0)
        self.bars = OutputBars()
        self.bars.plot.setTitle("p = softmax(z)", size="10pt")
        self.graphics.addItem(self.bars.plot, row=0, col=1)
        self.graphics.ci.layout.setColumnStretchFactor(0, 2)
        self.graphics.ci.layout.setColumnStretchFactor(1, 3)
        chart_help(self.graphics, INPUT_HELP, self.input_plot)
        chart_help(self.graphics, BARS_HELP, self.bars.plot)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.answer)
        layout.addWidget(self.graphics, 1)
        self.answer_text = ""
        self._answer = None  # (class name, "93.1 % sure …") as last shown, drawn in the theme
        self._theme = theme
        self.names: list[str] = []
        self.x = None
        self.image_shape = (28, 28)
        self.set_classes([str(k) for k in range(10)])
        self.set_theme(theme)

    def set_classes(self, names, image_shape=(28, 28)) -> None:
        self.bars.set_classes(list(names))
        self.names = list(names)
        self.image_shape = tuple(image_shape)
        self._fit_height()

    def _fit_height(self) -> None:
        """Ask for a readable row per class: in presenter mode's larger labels the ten rows
        ran into each other in the height the drawing pad left."""
        font = QFont()
        font.setPointSizeF(self._theme.points(LABEL_PT))
        row = 1.15 * QFontMetricsF(font).height()  # a little air between the rows
        title = QFontMetricsF(QFont()).height() * self._theme.font_scale
        self.graphics.setMinimumHeight(round(min(len(self.names), 20) * row + 3 * title))

    def show_answer(self, x: np.ndarray, p: np.ndarray, z: np.ndarray, true: int = -1) -> None:
        """Show input ``x`` (n_in,), probabilities ``p`` (K,) and logits ``z`` (K,)."""
        self.x = x
        self.input_image.setImage(np.asarray(x, np.float32).reshape(self.image_shape),
                                  autoLevels=False, levels=(0.0, 1.0))
        self.bars.show(p, z, true)
        k = int(np.argmax(p))
        names = self.bars.names
        text = f"{names[k]} · {100 * p[k]:.1f} % sure"
        if true >= 0:
            text += f"   (true {names[true]} {'✓' if k == true else '✗'})"
        self.answer_text = text
        self._answer = (names[k], text.split(" · ", 1)[1])
        self._draw_answer()

    def show_trace(self, model) -> None:
        """The :class:`~nnviz.session.ExplorerModel`'s answer: its trace's last layer, or
        why there is none."""
        trace = model.trace
        if trace is not None:
            self.show_answer(model.x, trace.probabilities[0], trace.layers[-1].z[0], model.true)
        elif model.mismatch:
            self.clear()
            self.answer.setText(model.mismatch)
        elif model.x is None and self.x is not None:  # the pad was cleared
            self.clear()

    def _draw_answer(self) -> None:
        if self._answer is None:
            return
        name, sure = self._answer
        big, small = self._theme.points(CLASS_PT), self._theme.points(SURE_PT)
        self.answer.setText(f"<span style='font-size: {big:g}pt; font-weight: 600'>{name}</span>"
                            f"&nbsp;&nbsp;<span style='font-size: {small:g}pt'>{sure}</span>")

    def clear(self) -> None:
        self.answer_text = ""
        self.x = None
        self._answer = None
        self.answer.setText("Draw a digit")
        self.input_image.clear()
        bars = self.bars  # no bars and no percentages of the old drawing
        bars.p = bars.z = None
        bars.bars.setOpts(x0=[], y=[], width=[])
        for label in bars.labels:
            label.setText("")
        bars.hover.hide()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.background)
        restyle([self.input_plot, self.bars.plot], [], theme)
        self.bars.set_theme(theme)
        style_hover(self.bars.hover, theme)
        self._fit_height()
        self._draw_answer()

    def export_item(self):
        return self.graphics.ci

    def _on_mouse(self, scene_pos) -> None:
        vb = self.bars.plot.getViewBox()
        if vb.sceneBoundingRect().contains(scene_pos):
            self.bars.hover_at(vb.mapSceneToView(scene_pos))
        else:
            self.bars.hover.hide()
