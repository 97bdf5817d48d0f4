"""A page of test images with what the network said about each: "true 7, said 9 (62% sure)".

The images are one mosaic (one ``ImageItem``), captions are text items under each
thumbnail; both are created once and refilled page by page.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QGraphicsRectItem

from nnviz.analysis.evaluation import Evaluation
from nnviz.charts.parts import hover_text_item, image_plot, place_hover, style_hover
from nnviz.charts.theme import LIGHT, Theme

GAP_X, GAP_Y = 22, 16  # image pixels between thumbnails; the caption sits in GAP_Y
MAX_COLS, MAX_ROWS = 10, 8
CAPTION_PT = 7.5  # the captions' size in the normal theme (Theme.points scales it)


def percent(p: float) -> str:
    """A confidence in percent that never rounds up to a certainty: 0.9996 → '99.9%'."""
    if p >= 0.995:
        return f"{math.floor(1000 * p) / 10:.1f}%"
    return f"{100 * p:.0f}%"


def thumb_caption(ev: Evaluation, i: int, names) -> str:
    """Two lines under thumbnail ``i``: "true 7, said 9" and "(62% sure) #i"."""
    return (f"true {names[ev.labels[i]]}, said {names[ev.predictions[i]]}\n"
            f"({percent(float(ev.confidence[i]))} sure) #{i}")


class Gallery:
    """Pages of test images with their captions, as many per page as fit legibly.

    The grid has as many columns as captions fit side by side in the plot's width, and as
    many rows as then fit in its height: a page holds ``cols × rows`` images.

    Attributes
    ----------
    plot : PlotItem
    image : ImageItem
        The page's mosaic: thumbnail ``s`` (row by row) at :meth:`origin`.
    cols, rows : int
    texts : list of TextItem
        ``texts[s]`` is :func:`thumb_caption` of the image in slot s ('' when empty).
    indices : ndarray of int
        All the test images listed (every page), in order.
    page : int
    selected : int or None
        Test index outlined.
    """

    def __init__(self, image_shape=(28, 28)):
        self.plot, self.image = image_plot("Mistakes")
        self.shape = tuple(image_shape)
        self.pitch = (self.shape[0] + GAP_Y, self.shape[1] + GAP_X)
        self._theme: Theme = LIGHT
        self._font = QFont()
        self._font.setPointSizeF(self._theme.points(CAPTION_PT))
        self.cols, self.rows = 5, 5
        self._pixels = None  # the plot's size in pixels, as last fitted
        self._min_col_px = 100.0
        self.texts: list[pg.TextItem] = []
        self.outline = QGraphicsRectItem()
        self.outline.setZValue(5)
        self.outline.hide()
        self.plot.addItem(self.outline, ignoreBounds=True)
        self.hover = hover_text_item()
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.ev: Evaluation | None = None
        self.images = None
        self.names: tuple[str, ...] = ()
        self.indices = np.zeros(0, dtype=np.int64)
        self.page = 0
        self.selected: int | None = None
        self._place()
        self.plot.vb.sigResized.connect(self._on_resized)

    @property
    def page_size(self) -> int:
        return self.cols * self.rows

    def _place(self) -> None:
        """Geometry of one page: caption positions and the view range."""
        h, w = self.shape
        while len(self.texts) < self.page_size:
            text = pg.TextItem(anchor=(0.5, 0))
            text.setFont(self._font)
            self.plot.addItem(text, ignoreBounds=True)
            self.texts.append(text)
        for s, text in enumerate(self.texts):
            r, c = self.origin(s)
            text.setPos(c + w / 2, r + h + 0.5)
            text.setVisible(s < self.page_size)
        self.plot.setRange(xRange=(-GAP_X / 2, self.cols * self.pitch[1] - GAP_X / 2),
                           yRange=(0, self.rows * self.pitch[0]), padding=0)

    def origin(self, slot: int) -> tuple[int, int]:
        """Top-left (row, col) pixel of the thumbnail in ``slot``."""
        return (slot // self.cols) * self.pitch[0], (slot % self.cols) * self.pitch[1]

    def _on_resized(self, vb) -> None:
        self.fit(vb.width(), vb.height())

    def fit(self, width: float, height: float) -> None:
        """Choose the grid for a plot of ``width`` × ``height`` pixels: columns as wide as a
        caption, then the rows that fit at that scale. The first image shown stays shown."""
        self._pixels = (width, height)
        cols = int(np.clip(width // self._min_col_px, 2, MAX_COLS))
        scale = width / (cols * self.pitch[1])  # pixels per image pixel
        rows = int(np.clip(height // max(scale * self.pitch[0], 1), 1, MAX_ROWS))
        if (cols, rows) == (self.cols, self.rows):
            return
        first = self.page * self.page_size
        self.cols, self.rows = cols, rows
        self._place()
        if self.ev is not None:
            self.show_page(first // self.page_size)

    def _measure(self) -> None:
        """A column as wide as the widest caption the class names can make, in the captions'
        font; the grid is fitted again to it."""
        if not self.names:
            return
        metrics = QFontMetricsF(self._font)
        longest = max(self.names, key=metrics.horizontalAdvance)
        widest = max(metrics.horizontalAdvance(f"true {longest}, said {longest}"),
                     metrics.horizontalAdvance("(99.9% sure) #99999"))
        self._min_col_px = widest + 10
        if self._pixels is not None:
            self.fit(*self._pixels)

    # -- content -----------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.image.setColorMap(theme.sequential())
        self.outline.setPen(pg.mkPen(theme.accent, width=2.5))
        style_hover(self.hover, theme)
        self._font.setPointSizeF(theme.points(CAPTION_PT))
        for text in self.texts:
            text.setFont(self._font)
        self._measure()  # columns as wide as the captions in their new size
        if self.ev is not None:
            self.show_page(self.page)

    def show(self, ev: Evaluation, images: np.ndarray, names, indices: np.ndarray,
             title: str, page: int = 0) -> None:
        """List test ``indices`` of ``ev``; ``images`` (n, H·W) are the test images."""
        self.ev, self.images = ev, images
        if tuple(names) != self.names:
            self.names = tuple(names)
            self._measure()
        self.indices = np.asarray(indices, dtype=np.int64)
        self.plot.setTitle(title, size="10pt")
        self.show_page(min(page, self.n_pages - 1))

    def clear(self) -> None:
        """Show nothing (no evaluation)."""
        self.ev, self.indices, self.page = None, np.zeros(0, dtype=np.int64), 0
        self.image.clear()
        for text in self.texts:
            text.setText("")
        self.outline.hide()
        self.plot.setTitle("Mistakes", size="10pt")

    @property
    def n_pages(self) -> int:
        return max(1, -(-len(self.indices) // self.page_size))

    def page_indices(self) -> np.ndarray:
        """Test indices on the page shown, slot by slot."""
        return self.indices[self.page * self.page_size:(self.page + 1) * self.page_size]

    def show_page(self, page: int) -> None:
        self.page = int(np.clip(page, 0, self.n_pages - 1))
        shown = self.page_indices()
        h, w = self.shape
        mosaic = np.full((self.rows * self.pitch[0], self.cols * self.pitch[1] - GAP_X), np.nan,
                         np.float32)
        for s, i in enumerate(shown):
            r, c = self.origin(s)
            mosaic[r:r + h, c:c + w] = self.images[i].reshape(h, w)
        self.image.setImage(mosaic, autoLevels=False, levels=(0, 1))
        theme = self._theme
        for s, text in enumerate(self.texts[:self.page_size]):
            if s < len(shown):
                i = int(shown[s])
                text.setText(thumb_caption(self.ev, i, self.names))
                text.setColor(theme.good if self.ev.correct[i] else theme.bad)
            else:
                text.setText("")
        self.select(self.selected)

    def select(self, index: int | None) -> None:
        """Outline test image ``index`` if it is on this page."""
        self.selected = index
        shown = list(self.page_indices())
        if index is None or index not in shown:
            self.outline.hide()
            return
        r, c = self.origin(shown.index(index))
        self.outline.setRect(c - 1, r - 1, self.shape[1] + 2, self.shape[0] + 2)
        self.outline.show()

    # -- mouse -------------------------------------------------------------------------------

    def index_at(self, point) -> int | None:
        """The test index of the thumbnail (or its caption) under a view point, or None."""
        col = int(np.floor((point.x() + GAP_X / 2) / self.pitch[1]))
        row = int(np.floor(point.y() / self.pitch[0]))
        if not (0 <= col < self.cols and 0 <= row < self.rows):
            return None
        slot = row * self.cols + col
        shown = self.page_indices()
        return int(shown[slot]) if slot < len(shown) else None

    def hover_at(self, point) -> None:
        i = self.index_at(point)
        if i is None or self.ev is None:
            return
        p = self.ev.probabilities[i]
        second = int(np.argsort(p)[-2]) if len(p) > 1 else int(p.argmax())
        text = (f"test image #{i}: true {self.names[self.ev.labels[i]]}\n"
                f"said {self.names[self.ev.predictions[i]]} (p = {float(p.max()):.4f}), "
                f"then {self.names[second]} (p = {float(p[second]):.4f})\n"
                f"p(true class) = {float(p[self.ev.labels[i]]):.4f}")
        place_hover(self.hover, text, point, self.plot.vb)
