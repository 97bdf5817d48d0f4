"""Pieces of the curves view: the smoothing, the epoch ticks and the hover read-out.

Kept apart from :mod:`nnviz.gui.views.curves.view` so the view module holds only the layout.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from nnviz.analysis.notation import sup
from nnviz.charts.theme import Theme


def layer_label(index: int) -> str:
    """``W¹``, ``W²``, ... for the 1-based layer ``index``."""
    return "W" + sup(index)


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's debiased exponential moving average, vectorised.

    ``e_t = w·e_{t-1} + (1-w)·x_t`` with ``e_{-1} = 0``, returned as ``e_t / (1 - w^{t+1})``
    so the start is not pulled towards 0.

    The recurrence has the closed form ``e_t = w^t·[w·e_{-1} + (1-w)·Σ_{j≤t} w^{-j} x_j]``,
    a cumulative sum. ``w^{-j}`` overflows after a few hundred points for small ``w``, so the
    sum runs over blocks short enough that ``w^{-j}`` stays below 1e250, carrying ``e`` from
    block to block. A Python loop costs ~3 ms for 8k points; this costs 0.1–0.7 ms.

    Parameters
    ----------
    values : array_like, shape (n,)
    weight : float
        Smoothing ``w`` in [0, 1); 0 returns the values unchanged.

    Returns
    -------
    ndarray, shape (n,), float64
    """
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    if weight <= 0 or n == 0:
        return x.copy()
    w = float(weight)
    out = np.empty(n)
    block = max(1, int(250 / -math.log10(w)))
    carry = 0.0
    for s in range(0, n, block):
        seg = x[s:s + block]
        p = w ** np.arange(len(seg), dtype=np.float64)
        e = p * (w * carry + (1 - w) * np.cumsum(seg / p))
        out[s:s + len(seg)] = e
        carry = e[-1]
    out /= -np.expm1(np.arange(1, n + 1) * math.log(w))  # 1 - w^(t+1), exact for w near 1
    return out


def epoch_ticks(steps, epochs, max_labels: int = 12) -> list[list[tuple[float, str]]]:
    """Tick levels for an axis marking epoch ends at ``steps``.

    Every epoch end gets a tick (its grid line); only every k-th is labelled, k from
    1, 2, 5, 10, 20, 50, ... so at most ``max_labels`` labels show; the first reads "epoch k".

    Returns
    -------
    [major, minor] : lists of ``(step, label)``, as :meth:`pyqtgraph.AxisItem.setTicks` takes.
    """
    n = len(steps)
    k = 1
    while n / k > max_labels:
        k = k * 5 // 2 if str(k)[0] == "2" else k * 2  # 1, 2, 5, 10, 20, 50, ...
    major = [(float(s), str(e)) for s, e in zip(steps, epochs) if e % k == 0]
    if major:
        major[0] = (major[0][0], f"epoch {major[0][1]}")
    minor = [(float(s), "") for s, e in zip(steps, epochs) if e % k != 0]
    return [major, minor]


class CurveHover:
    """The nearest point of a plot's curves under the mouse: a dot and a label with exact values.

    Parameters
    ----------
    plot : pg.PlotItem
    log_y : bool
        The plot's y axis is logarithmic (view coordinates are ``log10(y)``).
    x_name : str
        What x counts, for the label ("step", or "epoch" in the run comparison).
    """

    def __init__(self, plot: pg.PlotItem, log_y: bool = False, x_name: str = "step"):
        self.plot, self.log_y, self.x_name = plot, log_y, x_name
        self.curves: list[tuple[str, pg.PlotDataItem, str]] = []
        self.dot = pg.PlotDataItem(symbol="o", symbolSize=9, pen=None)
        self.dot.setZValue(100)
        self.dot.hide()
        plot.addItem(self.dot, ignoreBounds=True)
        # A child of the ViewBox itself, not of its data, so it draws above the legend.
        self.text = pg.TextItem(anchor=(0, 1))
        self.text.setParentItem(plot.getViewBox())
        self.text.setZValue(1000)
        self.text.hide()
        self.point: tuple[str, float, float] | None = None  # (label, step, value) shown

    def track(self, label: str, item: pg.PlotDataItem, fmt: str = "{:.4g}") -> None:
        """Include ``item``'s points, their value printed with ``fmt``."""
        self.curves.append((label, item, fmt))

    def forget(self, item: pg.PlotDataItem) -> None:
        self.curves = [c for c in self.curves if c[1] is not item]

    def set_theme(self, theme: Theme) -> None:
        self.text.setColor(theme.foreground)
        self.text.fill = pg.mkBrush(theme.background + "e6")
        self.text.border = pg.mkPen(theme.muted)
        self.dot.setSymbolPen(pg.mkPen(theme.foreground, width=1.5))
        self.dot.setSymbolBrush(pg.mkBrush(theme.background))

    def hide(self) -> None:
        self.point = None
        self.dot.hide()
        self.text.hide()

    def update(self, scene_pos) -> None:
        """Show the point nearest to ``scene_pos`` (in pixels), or hide when outside the plot."""
        vb = self.plot.getViewBox()
        if not self.plot.isVisible() or not vb.sceneBoundingRect().contains(scene_pos):
            self.hide()
            return
        p = vb.mapSceneToView(scene_pos)
        found = self._nearest(p.x(), p.y(), *vb.viewPixelSize())
        if found is None:
            self.hide()
            return
        label, x, y, fmt = found
        self.point = (label, x, y)
        self.dot.setData([x], [y])
        self.text.setText(f"{label}\n{self.x_name} {x:,.0f}: {fmt.format(y)}")
        yv = math.log10(y) if self.log_y else y
        (x0, x1), (y0, y1) = vb.viewRange()
        self.text.setAnchor((1 if x > (x0 + x1) / 2 else 0, 0 if yv > (y0 + y1) / 2 else 1))
        self.text.setPos(vb.mapFromView(pg.Point(x, yv)))
        self.dot.show()
        self.text.show()

    def _nearest(self, px: float, py: float, sx: float, sy: float):
        """(label, x, y, fmt) of the point closest in pixels to view point (px, py)."""
        best, best_d = None, math.inf
        for label, item, fmt in self.curves:
            x, y = item.xData, item.yData
            if x is None or len(x) == 0 or not item.isVisible():
                continue
            i = int(np.searchsorted(x, px))
            for j in (max(i - 1, 0), min(i, len(x) - 1)):
                yv = y[j]
                if self.log_y:
                    yv = math.log10(yv) if yv > 0 else -math.inf
                d = math.hypot((x[j] - px) / sx, (yv - py) / sy)
                if d < best_d:
                    best, best_d = (label, float(x[j]), float(y[j]), fmt), d
        return best


def round_up(x: float) -> float:
    """The next of 1, 1.5, 2, 3, 5, 7.5 × 10ⁿ at or above ``x`` (> 0): a round axis end."""
    scale = 10.0 ** np.floor(np.log10(x))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0):
        if m * scale >= x:
            return float(m * scale)
    return float(10 * scale)
