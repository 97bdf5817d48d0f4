"""Pieces of the weights view: texts, colour levels, hover read-out, histograms whose bins
follow the data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nnviz.analysis.notation import sup
from nnviz.charts.parts import TITLE_SIZE
from nnviz.charts.theme import Theme, style_legend, style_plot

PERCENTILE = 99.5
N_BINS = 60
MAX_SAMPLES = 50_000

MODES = {"W": "Weights W", "dW": "Gradient dW", "uW": "Last update uW",
         "W-W0": "Learned W − W₀"}
WHAT = {"W": "weights", "dW": "gradients dW of the loss (last batch)",
        "uW": "updates uW of the last step", "W-W0": "changes since initialisation"}
NOW = {"W": "now", "dW": "last batch", "uW": "last step", "W-W0": "now"}  # the legend's line
READING = {
    "W": "Red: the input pushes the unit's z up; blue: down; white: no effect.",
    "dW": "Red: raising the weight would raise the loss, so descent lowers it; blue: the opposite.",
    "uW": "Red: the last step lowered the weight (θ ← θ − u); blue: raised it.",
    "W-W0": "Red: training has raised the weight since initialisation; blue: lowered it.",
}


def layer_name(mode: str, index: int) -> str:
    """``W²``, ``dW²``, ``uW²``, ``(W − W₀)²`` for ``mode`` of the 1-based layer ``index``."""
    return ("(W − W₀)" if mode == "W-W0" else mode) + sup(index)


def short_number(v: float) -> str:
    """A colour-bar label that fits 7 characters: ``0.025``, ``-1.2e-4``."""
    if v == 0:
        return "0"
    text = f"{v:.3g}" if 1e-2 <= abs(v) < 1e4 else f"{v:.1e}"
    return text.replace("e-0", "e-").replace("e+0", "e")


def layer_values(layer, mode: str) -> np.ndarray:
    """The (n_out, n_in) array ``mode`` names in a :class:`LayerState`."""
    return layer.W - layer.W0 if mode == "W-W0" else getattr(layer, mode)


def tile_at(r: int, c: int, shape: tuple[int, int], cols: int, k: int):
    """(tile t, row y and column x in it) at mosaic pixel (r, c), or None off the tiles.

    The mosaic holds ``k`` tiles of ``shape`` (h, w), ``cols`` a row, 1-pixel gaps."""
    h, w = shape
    (tr, y), (tc, x) = divmod(r, h + 1), divmod(c, w + 1)
    t = tr * cols + tc
    if r < 0 or c < 0 or y >= h or x >= w or tc >= cols or t >= k:
        return None
    return t, y, x


def describe_pixel(values: np.ndarray, first: int, cols: int, shape: tuple[int, int] | None,
                   r: int, c: int, name: str):
    """What the image shows at pixel row ``r``, column ``c``.

    Parameters
    ----------
    values : ndarray (k, n_in)
        The rows drawn: units ``first … first + k − 1``.
    cols, shape : tiles per row and (h, w) of a mosaic (1-pixel gaps), or shape None for a
        plain matrix.
    name : str
        e.g. ``"dW¹"``.

    Returns
    -------
    (text, rect) or None
        ``rect`` (x, y, w, h) outlines the tile in view coordinates (image placed at −0.5);
        None off the image or in a gap.
    """
    if shape is None:
        if not (0 <= r < values.shape[0] and 0 <= c < values.shape[1]):
            return None
        return f"{name}[i={r}, j={c}] = {values[r, c]:+.4g}", None
    found = tile_at(r, c, shape, cols, len(values))
    if found is None:
        return None
    (t, y, x), (h, w) = found, shape
    tr, tc = divmod(t, cols)
    text = f"unit {first + t}, pixel (row {y}, col {x}):  {name} = {values[t, y * w + x]:+.4g}"
    return text, (tc * (w + 1) - 1, tr * (h + 1) - 1, w + 1, h + 1)


def symmetric_level(values: np.ndarray, q: float = PERCENTILE) -> float:
    """``m`` for the colour levels ``(-m, m)``: the ``q``-th percentile of ``|values|``.

    Not the maximum: gradients and updates are heavy-tailed, and a handful of extreme entries
    would squeeze every other unit into the near-white centre of the colour map. Entries
    beyond ``±m`` saturate, which the colour bar's ends show. The percentile is taken over an
    evenly strided sample of at most ``MAX_SAMPLES`` entries (~0.3 ms instead of ~3 ms for the
    200k first-layer weights). Falls back to ``max|values|`` when the percentile is 0 (e.g.
    a sparse gradient), and to 1 when everything is 0 (no update yet).
    """
    flat = np.abs(values.ravel()[::max(1, values.size // MAX_SAMPLES)])
    if flat.size == 0:
        return 1.0
    m = float(np.percentile(flat, q))
    if not m > 0:
        m = float(np.max(np.abs(values)))
    return m if np.isfinite(m) and m > 0 else 1.0


def n_bins_for(size: int) -> int:
    """√(number of values) bins within [20, N_BINS], odd: the 1280 weights of a 10×128 layer
    do not scatter over mostly empty bins, and the many exact zeros of dW, uW and W − W₀
    (pixels no image inks) fall in the middle of a bin, not on an edge."""
    return int(np.clip(np.sqrt(size), 20, N_BINS)) | 1  # odd: 0 is a bin's centre


def bin_edges(W0: np.ndarray, n_bins: int | None = None) -> np.ndarray:
    """Fixed edges (n_bins + 1,) over ±1.5·max|W0|: the initial range with room to spread
    (``n_bins`` defaults to :func:`n_bins_for`)."""
    if n_bins is None:
        n_bins = n_bins_for(W0.size)
    r = 1.5 * float(np.max(np.abs(W0))) if W0.size else 1.0
    return np.linspace(-r, r, n_bins + 1) if r > 0 else np.linspace(-1, 1, n_bins + 1)


def max_abs(values: np.ndarray) -> float:
    """max |values| without the temporary array ``np.abs`` makes (0 for an empty array)."""
    if values.size == 0:
        return 0.0
    return max(float(values.max()), -float(values.min()))


def following_range(r: float, m: float) -> float:
    """The half-width of symmetric bins that follows the data's ``m = max|values|``.

    ``r`` (the bins' half-width now) is kept while the values fill it (``r/2 ≤ m ≤ r``), so
    the bars do not jump at every snapshot; else ``1.1·m``: the bins widen as soon as a
    value would fall outside them (no end-bin pile-up) and narrow when the values have
    shrunk to less than half of them (gradients late in training, W − W₀ early on).
    Returns 1 when everything is 0 (no update yet).
    """
    if not (np.isfinite(m) and m > 0):
        return r if r > 0 else 1.0
    if r / 2 <= m <= r:
        return r
    return 1.1 * m


def nice_ticks(r: float) -> list[tuple[float, str]]:
    """Ticks −t, 0, t for an axis over ±r: t the largest 1, 2 or 5 × 10ᵏ up to 0.8·r, in at
    most 5 characters (``0.02``, ``2e-4``): three labels that do not run into one another."""
    if not (np.isfinite(r) and r > 0):
        return [(0.0, "0")]
    k = 10.0 ** np.floor(np.log10(0.8 * r))
    t = float(max(f * k for f in (1, 2, 5) if f * k <= 0.8 * r * (1 + 1e-9)))
    text = f"{t:g}" if t >= 1e-2 else f"{t:.0e}".replace("e-0", "e-")  # 0.02, 2e-4
    return [(-t, "-" + text), (0.0, "0"), (t, text)]


def count_ticks(top: int) -> list[tuple[float, str]]:
    """Ticks 0, s, 2s, … ≤ ``top`` for a count axis, s a 1, 2 or 5 × 10ᵏ giving 2 to 5 of
    them, thousands as ``k`` (``5k``, ``10k``): at most 4 characters, a narrow axis."""
    top = max(int(top), 1)
    k = 10.0 ** np.floor(np.log10(top / 2))
    step = max(f * k for f in (1, 2, 5) if top / (f * k) >= 2) if top >= 2 else 1.0
    values = np.arange(0, top + 1e-9, step)
    return [(float(v), f"{v / 1000:g}k" if step >= 1000 and v else f"{v:g}") for v in values]


def bin_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts (len(edges) − 1,) of ``values`` in equal-width bins; values outside the range
    count in the end bins, so the counts always sum to ``values.size``. ~3× faster than
    ``np.histogram`` because the bins are known to be equal."""
    n = len(edges) - 1
    lo, hi = float(edges[0]), float(edges[-1])
    # in float64 (lo is): float32 rounding would move values next to an edge across it
    idx = ((values.ravel() - np.float64(lo)) * (n / (hi - lo))).astype(np.intp)
    np.clip(idx, 0, n - 1, out=idx)
    return np.bincount(idx, minlength=n)


class WeightHistogram:
    """Histogram of the values shown (W, dW, uW or W − W₀ of a layer), with W's at
    initialisation for reference in mode W.

    The bins are symmetric about 0 and follow the data (:func:`following_range`), so every
    current value falls inside them; both curves are made once and only get new data.

    Parameters
    ----------
    plot : pg.PlotItem
        Gets two step-mode curves: ``init_item`` (shaded) and ``now_item`` (line).
    legend : pg.LegendItem
        Names the curves; it lives in the chart's layout, outside the plot, so it covers no
        bar at any size.
    """

    def __init__(self, plot: pg.PlotItem, legend: pg.LegendItem):
        self.plot, self.legend = plot, legend
        plot.setMenuEnabled(False)
        plot.getAxis("bottom").enableAutoSIPrefix(False)  # weights read as 0.05, not 50 ×0.001
        # No axis labels: the title names the values counted, and the room they took is the
        # data area's in a 438-px dock.
        self.init_item = plot.plot(stepMode="center", fillLevel=0)
        self.now_item = plot.plot(stepMode="center")
        self.counts = np.zeros(0, dtype=np.intp)
        self.edges = np.zeros(1)
        self._init: tuple | None = None  # (layer, edges) the initial counts were made for
        self._shown: tuple | None = None  # (layer, mode) of the title and legend
        self._r = 0.0
        self._theme: Theme | None = None
        self.two_lines = False
        self._count_ticks: list = []

    def reset(self) -> None:
        """Forget the bins and initial counts (a new network)."""
        self._init = self._shown = None
        self._r = 0.0

    def show_values(self, values: np.ndarray, W0: np.ndarray | None, layer: int,
                    mode: str) -> None:
        """Draw the histogram of ``values`` (n_out, n_in), ``mode`` of ``layer`` (0-based),
        over bins that hold them all, and of ``W0`` in the same bins when given (mode W)."""
        if (layer, mode) != self._shown:
            self._shown, self._r, self._init = (layer, mode), 0.0, None
            self.set_title()
            self.legend.clear()
            self.legend.addItem(self.now_item, NOW[mode])
            if W0 is not None:
                self.legend.addItem(self.init_item, "initial")
            if self._theme is not None:  # the new labels in the theme's colour and size
                style_legend(self.legend, self._theme, boxed=False)
            self.init_item.setVisible(W0 is not None)
        m = max_abs(values) if W0 is None else max(max_abs(values), max_abs(W0))
        r = following_range(self._r, m)
        if r != self._r:
            self._r = r
            self.edges = np.linspace(-r, r, n_bins_for(values.size) + 1)
            self.plot.getAxis("bottom").setTicks([nice_ticks(r)])
        top = 1
        if W0 is not None:
            if self._init != (layer, r):  # the initial counts change only with the bins
                self._init = (layer, r)
                self.init_item.setData(self.edges, bin_counts(W0, self.edges))
            top = int(self.init_item.yData.max())
        self.counts = bin_counts(values, self.edges)
        self.now_item.setData(self.edges, self.counts)
        top = max(top, int(self.counts.max()) if self.counts.size else 1)
        self.plot.setXRange(-r, r, padding=0.02)
        self.plot.setYRange(0, 1.05 * top, padding=0)
        ticks = count_ticks(top)
        if ticks != self._count_ticks:  # (the axis redraws only when they change)
            self._count_ticks = ticks
            self.plot.getAxis("left").setTicks([ticks])

    def set_title(self, two_lines: bool | None = None) -> None:
        """"Distribution of dW¹", on two lines (``two_lines``; None: as now) in a narrow view,
        where the long ``(W − W₀)¹`` would leave the histogram no room."""
        if two_lines is not None:
            self.two_lines = two_lines
        if self._shown is not None:
            layer, mode = self._shown
            gap = "<br>" if self.two_lines else " "
            self.plot.setTitle(f"Distribution{gap}of {layer_name(mode, layer + 1)}",
                               size=TITLE_SIZE)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        style_plot(self.plot, theme)
        self.init_item.setPen(pg.mkPen(theme.muted, width=theme.line_width(1)))
        self.init_item.setBrush(pg.mkBrush(theme.muted + "55"))
        self.now_item.setPen(pg.mkPen(theme.accent, width=theme.line_width(2)))
        style_legend(self.legend, theme, boxed=False)
