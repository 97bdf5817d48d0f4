"""Confidence and robustness charts of the evaluation view.

:class:`ThresholdChart`: "answer only when at least t sure" — the share answered
(coverage) and the accuracy of those answers, over every t, with a draggable marker.
:class:`RobustnessCharts`: accuracy against the level of each kind of spoiling, one small
chart per kind, in that kind's own unit. :class:`SpoilPreview`: one spoiled test image.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from nnviz.analysis.robustness import SPOILERS
from nnviz.charts.parts import (
    TITLE_SIZE,
    Caption,
    hover_text_item,
    image_plot,
    place_hover,
    static_plot,
    style_hover,
)
from nnviz.charts.theme import LIGHT, Theme, style_legend, style_plot

THRESHOLD_CAPTION = ("The network answers only when its top probability is at least t. Blue: "
                     "the share of test images it then answers (coverage); green: the share of "
                     "those answers that are right. Drag the line or the slider to choose t.")
ROBUSTNESS_CAPTION = ("Accuracy on {n} test images as they are spoiled: noise added, rotated "
                      "(each image one way or the other), strokes made thicker or thinner. Every "
                      "curve starts at the plain test accuracy (dashed).")
PREVIEW_CAPTION = (" Right: the selected test image spoiled as chosen above (the vertical "
                   "line), and what the network says of it.")


def dashed(theme: Theme, colour: str | None = None) -> pg.QtGui.QPen:
    return pg.mkPen(colour or theme.muted, width=1, style=Qt.PenStyle.DashLine)


class ThresholdChart:
    """Coverage and accuracy against the threshold t, and a vertical marker at the chosen t.

    Attributes
    ----------
    plot : PlotItem
    coverage, accuracy : PlotDataItem
    marker : InfiniteLine
        Movable; its ``sigPositionChanged`` lets the view follow a drag.
    dots : ScatterPlotItem
        The two values at the marker.
    """

    def __init__(self):
        self.plot = static_plot("Answer only when sure")
        self.plot.setLabel("bottom", "threshold t (top probability)")
        self.plot.setXRange(0, 1, padding=0.02)
        self.plot.setYRange(-0.03, 1.05, padding=0)
        self.plot.getViewBox().disableAutoRange()
        ticks = [(v / 4, f"{25 * v} %" if v else "0") for v in range(5)]
        self.plot.getAxis("left").setTicks([ticks, []])
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.legend = self.plot.addLegend(offset=(8, -40), labelTextSize="8pt")
        self.coverage = self.plot.plot(name="coverage")
        self.accuracy = self.plot.plot(name="accuracy of the answers")
        self.marker = pg.InfiniteLine(pos=0.9, angle=90, movable=True, bounds=(0, 1))
        self.plot.addItem(self.marker, ignoreBounds=True)
        self.dots = pg.ScatterPlotItem(size=8)
        self.plot.addItem(self.dots)
        self.hover = hover_text_item()
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.caption = Caption(THRESHOLD_CAPTION)
        self.curve = None
        self._marked = None
        self._theme: Theme = LIGHT

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        style_plot(self.plot, theme)
        self.coverage.setPen(pg.mkPen(theme.series[0], width=2))
        self.accuracy.setPen(pg.mkPen(theme.good, width=2))
        self.marker.setPen(pg.mkPen(theme.foreground, width=1.5))
        self.marker.setHoverPen(pg.mkPen(theme.accent, width=3))
        if self._marked is not None:
            self.set_marker(*self._marked)
        style_legend(self.legend, theme, boxed=False)
        style_hover(self.hover, theme)

    def clear(self) -> None:
        self.curve = self._marked = None
        for item in (self.coverage, self.accuracy, self.dots):
            item.setData([], [])
        self.plot.setTitle("Answer only when sure", size=TITLE_SIZE)

    def show(self, t: np.ndarray, coverage: np.ndarray, accuracy: np.ndarray) -> None:
        self.curve = (t, coverage, accuracy)
        self.coverage.setData(t, coverage)
        answered = np.isfinite(accuracy)
        self.accuracy.setData(t[answered], accuracy[answered])

    def set_marker(self, t: float, coverage: float, accuracy: float) -> None:
        """Move the marker to ``t`` and put dots on the two curves there."""
        self._marked = (t, coverage, accuracy)
        self.marker.blockSignals(True)
        self.marker.setPos(t)
        self.marker.blockSignals(False)
        ys = [coverage] + ([accuracy] if np.isfinite(accuracy) else [])
        brushes = [pg.mkBrush(self._theme.series[0]), pg.mkBrush(self._theme.good)]
        self.dots.setData([t] * len(ys), ys, brush=brushes[:len(ys)],
                          pen=pg.mkPen(self._theme.background))

    def hover_at(self, point) -> None:
        if self.curve is None:
            return
        t, cov, acc = self.curve
        k = int(np.clip(np.searchsorted(t, point.x()), 0, len(t) - 1))
        a = f"{100 * acc[k]:.2f} %" if np.isfinite(acc[k]) else "no answers"
        place_hover(self.hover, f"t = {t[k]:.3f}\ncoverage {100 * cov[k]:.2f} %\n"
                                f"accuracy {a}", point, self.plot.vb)


class RobustnessCharts:
    """One chart per kind of spoiling: accuracy (0–1) against the level in its own unit.

    Attributes
    ----------
    layout : GraphicsLayout
        2 × 2 charts.
    plots, curves, clean, markers : dict of kind to item
    data : dict of kind to (levels, accuracies)
    """

    def __init__(self, n: int = 2000, preview: bool = False):
        self.layout = pg.GraphicsLayout()
        self.plots, self.curves, self.clean, self.markers = {}, {}, {}, {}
        for k, (kind, spoiler) in enumerate(SPOILERS.items()):
            plot = static_plot(spoiler.label)
            plot.setYRange(-0.05, 1.08, padding=0)  # room for the "0" and "100 %" labels
            plot.setXRange(0, spoiler.max_level, padding=0.04)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.getAxis("left").setTicks([[(0, "0"), (0.5, "50 %"), (1, "100 %")], []])
            plot.setLabel("bottom", spoiler.axis)
            # No "(x0.001)" rescaling of σ: levels read as they are (after setLabel,
            # which resets the ranges).
            plot.getAxis("bottom").setSIPrefixEnableRanges(((np.inf, np.inf),))
            plot.getAxis("bottom").updateAutoSIPrefix()
            plot.getViewBox().disableAutoRange()
            self.curves[kind] = plot.plot(symbol="o", symbolSize=5)
            self.clean[kind] = pg.InfiniteLine(angle=0, movable=False)
            self.markers[kind] = pg.InfiniteLine(angle=90, movable=False)
            self.markers[kind].hide()
            plot.addItem(self.clean[kind], ignoreBounds=True)
            plot.addItem(self.markers[kind], ignoreBounds=True)
            self.plots[kind] = plot
            self.layout.addItem(plot, row=k // 2, col=k % 2)
        self.hover = hover_text_item()
        self._hover_plot = None
        self.caption = Caption(ROBUSTNESS_CAPTION.format(n=n)
                               + (PREVIEW_CAPTION if preview else ""))
        self.data: dict = {}
        self._theme: Theme = LIGHT

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        for k, kind in enumerate(self.plots):
            style_plot(self.plots[kind], theme)
            colour = theme.series[k % len(theme.series)]
            self.curves[kind].setPen(pg.mkPen(colour, width=2))
            self.curves[kind].setSymbolBrush(colour)
            self.curves[kind].setSymbolPen(pg.mkPen(colour))
            self.clean[kind].setPen(dashed(theme))
            self.markers[kind].setPen(pg.mkPen(theme.foreground, width=1.5))
        style_hover(self.hover, theme)

    def clear(self) -> None:
        self.data = {}
        for kind in self.plots:
            self.curves[kind].setData([], [])
            self.clean[kind].hide()

    def show(self, curves: dict) -> None:
        """Draw :func:`robustness_curves`' result (kinds left out stay empty)."""
        self.clear()
        self.data = dict(curves)
        for kind, (levels, acc) in curves.items():
            self.curves[kind].setData(levels, acc)
            self.clean[kind].setPos(acc[0])
            self.clean[kind].show()

    def set_marker(self, kind: str, level: float) -> None:
        """A vertical line at the preview's level on ``kind``'s chart only."""
        for name, marker in self.markers.items():
            marker.setVisible(name == kind)
        self.markers[kind].setPos(level)

    def plot_at(self, scene_pos):
        for kind, plot in self.plots.items():
            if plot.sceneBoundingRect().contains(scene_pos):
                return kind, plot
        return None, None

    def hover_at(self, scene_pos) -> None:
        kind, plot = self.plot_at(scene_pos)
        if kind is None or kind not in self.data:
            return
        if self._hover_plot is not plot:
            if self._hover_plot is not None:
                self._hover_plot.removeItem(self.hover)
            plot.addItem(self.hover, ignoreBounds=True)
            self._hover_plot = plot
        point = plot.vb.mapSceneToView(scene_pos)
        levels, acc = self.data[kind]
        k = int(np.argmin(np.abs(levels - point.x())))
        place_hover(self.hover, f"{SPOILERS[kind].label}, {SPOILERS[kind].describe(levels[k])}:"
                                f"\n{100 * acc[k]:.1f} % right", point, plot.vb)


class SpoilPreview:
    """One test image after spoiling, titled with the network's answer."""

    def __init__(self):
        self.plot, self.image = image_plot("Spoiled image")

    def set_theme(self, theme: Theme) -> None:
        style_plot(self.plot, theme)
        self.image.setColorMap(theme.sequential())

    def clear(self) -> None:
        self.image.clear()
        self.plot.setTitle("Spoiled image", size=TITLE_SIZE)

    def show(self, image: np.ndarray, title: str) -> None:
        """``image`` (H, W) in [0, 1]."""
        self.image.setImage(image, autoLevels=False, levels=(0, 1))
        self.plot.setTitle(title, size=TITLE_SIZE)
