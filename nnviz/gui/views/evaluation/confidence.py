"""The evaluation view's "Confidence and robustness" page.

A threshold slider ("answer only when at least t sure") with its coverage and accuracy,
the curves of both over every t; the robustness charts; and the selected test image
spoiled at the kind and level chosen, with the network's answer (one image: computed on
the spot).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.robustness import SPOILERS, spoil, spoil_rng
from nnviz.charts.evaluation import RobustnessCharts, SpoilPreview, ThresholdChart
from nnviz.charts.parts import WrappingLabel
from nnviz.charts.theme import Theme, size_label
from nnviz.gui.views.evaluation.gallery import percent
from nnviz.gui.widgets.help import chart_help, help_button, topic

SLIDER_STEPS = 1000  # the threshold slider moves in steps of 0.1 %
HEADER_PT = 10  # the header line in the normal theme (Theme.points scales it)
THRESHOLD_CONTROLS_HELP = topic(
    "confidence.threshold_controls", "Answering only when sure",
    "A network can decline to answer when its top probability is below a threshold t, giving "
    "up some answers to make fewer mistakes. Move the slider, or drag the line in the chart "
    "below, to see how many test images it would still answer and how many of those it gets "
    "right.",
    "The threshold t: the network answers only when its top probability is at least t")
PREVIEW_CONTROLS_HELP = topic(
    "confidence.preview_controls", "Spoil an image",
    "Spoils the selected test image (the one last clicked in the Mistakes gallery) by the "
    "kind and level chosen here. The spoiled image and the network's answer appear at the "
    "right, and a vertical line marks the level on the matching robustness chart.",
    "Spoil the selected test image by a kind and level of your choice")
HELP = {
    "threshold": topic(
        "confidence.threshold", "Coverage and accuracy",
        "For every threshold t: in blue the share of test images the network still answers "
        "(coverage), in green the share of those answers that are right. Raising t trades "
        "answers for accuracy; a network whose confidence means something gains a lot of "
        "accuracy by skipping only a few images.",
        "Coverage (blue) and accuracy of the answers (green) for every threshold t"),
    "robustness": topic(
        "confidence.robustness", "Robustness",
        "Accuracy on a fixed sample of test images as they are spoiled more and more: noise "
        "added, rotated one way or the other, strokes made thicker or thinner. Every curve "
        "starts at the plain test accuracy (dashed); the slower it falls, the more robust the "
        "network, and training with augmentation usually slows the fall.",
        "Test accuracy as the images get noisier, rotated, thicker or thinner"),
    "preview": topic(
        "confidence.preview", "Spoiled image",
        "The selected test image spoiled as chosen above, and what the network says of it "
        "now. Raise the level until the answer flips to see how much it takes to fool the "
        "network.",
        "The selected test image, spoiled, and the network's answer"),
}


class ConfidencePage(QWidget):
    """Threshold and spoiling controls above one scene: header, threshold chart, robustness
    charts and the spoiled image.

    Attributes
    ----------
    slider : QSlider
        The threshold in thousandths.
    readout : QLabel
        Coverage and accuracy at the threshold (:attr:`threshold_readout`).
    kind : QComboBox
        The preview's kind of spoiling (``itemData``: the key in ``SPOILERS``).
    level : QSlider
        The preview's level, in hundredths of the kind's largest level.
    progress : QProgressBar
        Levels of the robustness curves done; shown while they are computed.
    threshold_readout : str
    preview_probabilities : ndarray, shape (K,) or None
        The network's output for the spoiled image shown.
    """

    def __init__(self, n_robust: int, model, parent=None):
        super().__init__(parent)
        self.model = model  # the session's: its dataset is the one evaluated
        self.ev: Evaluation | None = None
        self.net = None
        self.selected: int | None = None
        self.threshold_readout = ""
        self.preview_probabilities = None
        self._build_controls()
        self._build_scene(n_robust)
        self.slider.valueChanged.connect(lambda _: self.draw_threshold())
        self.threshold_chart.marker.sigPositionChanged.connect(
            lambda line: self.set_threshold(float(line.value())))
        self.kind.currentIndexChanged.connect(lambda _: self.draw_preview())
        self.level.valueChanged.connect(lambda _: self.draw_preview())
        self.glw.scene().sigMouseMoved.connect(self._on_hover)

    def _build_controls(self) -> None:
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setValue(900)
        self.slider.setMinimumWidth(140)
        self.slider.setToolTip("The smallest top probability at which the network answers")
        self.threshold_label = QLabel("90.0 % sure")
        self.readout = QLabel("")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top = QHBoxLayout()
        top.addWidget(QLabel("Answer only when at least"))
        top.addWidget(self.slider, 1)
        top.addWidget(self.threshold_label)
        top.addWidget(self.readout, 3)
        top.addWidget(help_button(THRESHOLD_CONTROLS_HELP))
        self.kind = QComboBox()
        for key, spoiler in SPOILERS.items():
            self.kind.addItem(spoiler.label, key)
        self.level = QSlider(Qt.Orientation.Horizontal)
        self.level.setRange(0, 100)
        self.level.setValue(50)
        self.level_label = QLabel("")
        self.level_label.setMinimumWidth(90)
        self.progress = QProgressBar()
        self.progress.setFormat("robustness %p %")
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Preview: spoil the selected image by"))
        bottom.addWidget(self.kind)
        bottom.addWidget(self.level, 1)
        bottom.addWidget(self.level_label)
        bottom.addStretch(1)
        bottom.addWidget(self.progress)
        bottom.addWidget(help_button(PREVIEW_CONTROLS_HELP))
        self.glw = pg.GraphicsLayoutWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addLayout(bottom)
        layout.addWidget(self.glw, 1)

    def _build_scene(self, n_robust: int) -> None:
        self.header = WrappingLabel(justify="center", size=f"{HEADER_PT}pt")
        self.threshold_chart = ThresholdChart()
        self.robustness = RobustnessCharts(n_robust, preview=True)
        self.preview = SpoilPreview()
        ci = self.glw.ci
        ci.addItem(self.header, row=0, col=0, colspan=2)
        ci.addItem(self.threshold_chart.plot, row=1, col=0)
        right = ci.addLayout(row=1, col=1)
        right.addItem(self.robustness.layout, row=0, col=0)
        right.addItem(self.preview.plot, row=0, col=1)
        right.layout.setColumnStretchFactor(0, 3)
        right.layout.setColumnStretchFactor(1, 1)
        ci.layout.setColumnStretchFactor(0, 4)
        ci.layout.setColumnStretchFactor(1, 6)
        plots = list(self.robustness.plots.values())  # in rows of two: [1] is the top right
        chart_help(self.glw, HELP["threshold"], self.threshold_chart.plot)
        chart_help(self.glw, HELP["robustness"], plots[1], covers=plots[:1] + plots[2:])
        chart_help(self.glw, HELP["preview"], self.preview.plot)

    # -- content -----------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        self.glw.setBackground(theme.background)
        size_label(self.header, HEADER_PT, theme)
        for part in (self.threshold_chart, self.robustness, self.preview):
            part.set_theme(theme)

    def clear(self) -> None:
        self.ev = self.net = None
        for part in (self.threshold_chart, self.robustness, self.preview):
            part.clear()
        self.readout.setText("")
        self.progress.hide()

    def show_evaluation(self, ev: Evaluation, net, selected: int) -> None:
        """Draw ``ev``'s threshold curve; ``net`` answers for the spoiled preview."""
        self.ev, self.net, self.selected = ev, net, selected
        self.threshold_chart.show(*ev.threshold_curve())
        self.draw_threshold()
        self.draw_preview()

    def threshold(self) -> float:
        """The threshold set with the slider, in [0, 1]."""
        return self.slider.value() / SLIDER_STEPS

    def set_threshold(self, t: float) -> None:
        self.slider.setValue(round(t * SLIDER_STEPS))

    def draw_threshold(self) -> None:
        t, ev = self.threshold(), self.ev
        self.threshold_label.setText(f"{100 * t:.1f} % sure")
        if ev is None:
            return
        a = ev.at_threshold(t)
        if a.n_answered:
            wrong = a.n_answered - round(a.accuracy * a.n_answered)
            right = f"{100 * a.accuracy:.2f} % of them right ({wrong:,} wrong)"
        else:
            right = "no answers at all"
        self.threshold_readout = (f"answers {a.n_answered:,} of {ev.n:,} "
                                  f"({100 * a.coverage:.1f} %); {right}")
        self.readout.setText("→ " + self.threshold_readout)
        self.readout.setToolTip(self.threshold_readout)
        self.threshold_chart.set_marker(t, a.coverage, a.accuracy)
        # Short: a plot's title sets its minimum width.
        self.threshold_chart.plot.setTitle(
            f"t = {100 * t:.1f} %: {100 * a.coverage:.1f} % answered, "
            + (f"{100 * a.accuracy:.2f} % right" if a.n_answered else "none"), size="10pt")

    def select(self, index: int) -> None:
        self.selected = index
        self.draw_preview()

    def draw_preview(self) -> None:
        """Spoil the selected test image as the controls say and show the network's answer."""
        kind = self.kind.currentData()
        spoiler = SPOILERS[kind]
        level = spoiler.max_level * self.level.value() / 100
        self.level_label.setText(spoiler.describe(round(level, 3)))
        self.robustness.set_marker(kind, level)
        ds, i = self.model.dataset, self.selected
        if ds is None or i is None or self.net is None:
            return
        rng = spoil_rng(0, kind)
        x = spoil(ds.x_test[i:i + 1], kind, level, rng, tuple(ds.image_shape))
        p = self.net.predict_proba(x)[0]
        k, names = int(p.argmax()), ds.class_names
        verdict = "right" if k == ds.y_test[i] else "wrong"
        self.preview.show(x[0].reshape(ds.image_shape),
                          f"#{i}, true {names[ds.y_test[i]]}<br>said {names[k]} "
                          f"({percent(float(p[k]))}): {verdict}")
        self.preview_probabilities = p

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.progress.setVisible(done < total)

    def show_robustness(self, curves: dict) -> None:
        self.progress.hide()
        self.robustness.show(curves)

    def _on_hover(self, pos) -> None:
        chart = self.threshold_chart
        chart.hover.hide()
        self.robustness.hover.hide()
        if chart.plot.sceneBoundingRect().contains(pos):
            chart.hover_at(chart.plot.vb.mapSceneToView(pos))
        else:
            self.robustness.hover_at(pos)
