"""The map view's scene: the scatter of test images, class colours, legend, caption and the
hover panel (the controls and the computing live in :mod:`nnviz.gui.views.map`)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy

from nnviz.analysis.embedding import LayerMap, layer_names
from nnviz.analysis.notation import sup
from nnviz.charts.parts import TITLE_SIZE, Caption, WrappingLabel, image_plot
from nnviz.charts.theme import Theme, size_label, style_plot

# Ten distinguishable class colours (matplotlib's tab10; lighter twins on the dark background).
CLASS_COLORS = {
    False: ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"),
    True: ("#5fa2dd", "#ffa04d", "#5cc95c", "#ff6b6b", "#b893e0",
           "#c4948a", "#f59fd6", "#bdbdbd", "#dada4a", "#4fd5e6"),
}
POINT_SIZE, RING_SIZE = 6, 11
POINT_ALPHA = 210  # of 255: dense clusters still show their overlaps
SIDE_WIDTH = 150  # px: the hover image and the legend beside the map
SIDE_PT = 9  # the hover panel's answer and the legend in the normal theme (Theme.points)
HIT_RADIUS_PX = 8  # how near the cursor a point must be to count as hovered or clicked
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE"}
EMPTY_CAPTION = ("No map yet: it is drawn for the network being trained (or a loaded model) "
                 "when this view is shown, or by Refresh.")


def class_colors(theme: Theme, k: int) -> list[str]:
    """``k`` class colours for ``theme`` (cycling past ten)."""
    palette = CLASS_COLORS[theme.dark]
    return [palette[i % len(palette)] for i in range(k)]


def legend_html(names, theme: Theme) -> str:
    """One line per class (a dot in its colour, then its name), then the mistake ring."""
    colors = class_colors(theme, len(names))
    rows = [f'<span style="color:{c}">●</span>&nbsp;{n}'
            for c, n in zip(colors, names, strict=True)]
    rows.append(f'<span style="color:{theme.foreground}">◯</span>&nbsp;wrong answer')
    return "<br>".join(rows)


def feature_words(layer: int, n_layers: int, width: int) -> str:
    """What a point's vector is at ``layer``."""
    if layer == 0:
        return f"its {width} pixel values"
    if layer == n_layers:
        return f"the network's {width} output probabilities (softmax)"
    return f"the {width} activations a{sup(layer)} of hidden layer {layer}"


def map_caption(m: LayerMap, sizes, n_wrong: int, about: str) -> str:
    """The sentence under the map: what a point is, how it was placed, what it was made from."""
    n = len(m.indices)
    what = feature_words(m.layer, len(sizes) - 1, sizes[m.layer])
    if m.method == "pca" and m.follows_previous:
        how = (f"projected onto the plane of their two directions of largest variance (PCA: "
               f"{100 * m.explained.sum():.1f} % of it), turned in that plane to line up with "
               f"the previous map (the axes hold {100 * m.explained[0]:.1f} % and "
               f"{100 * m.explained[1]:.1f} %)")
    elif m.method == "pca":
        how = (f"projected onto their two directions of largest variance (PCA: the axes hold "
               f"{100 * m.explained[0]:.1f} % and {100 * m.explained[1]:.1f} % of it)")
    else:
        start = (", starting from the previous map so that clusters keep their places"
                 if m.follows_previous else "")
        how = (f"placed by t-SNE so that images with similar vectors sit together{start} "
               f"(distances within a cluster mean something; between clusters, and the axes, "
               f"little)")
    return (f"{n:,} test images, each point {what}, {how}. Colour: true class. Ringed: the "
            f"{n_wrong:,} the network gets wrong ({100 * n_wrong / max(n, 1):.1f} %). "
            f"Network: {about}.")


def axis_label(m: LayerMap, k: int) -> str:
    """``PC 1`` (also when turned to follow a previous map: the caption says so); ``t-SNE 1``."""
    return f"t-SNE {k}" if m.method != "pca" else f"PC {k}"


def describe_snapshot(snap) -> str:
    """``run 3 after 1 epoch (step 469)``."""
    e = snap.epochs_done
    return f"run {snap.run_id} after {e} epoch{'' if e == 1 else 's'} (step {snap.step:,})"


class HoverPanel:
    """The hovered test image and the network's answer, beside the map.

    Attributes
    ----------
    plot : PlotItem
    image : ImageItem
    label : WrappingLabel
        e.g. ``true 7, said 9 (62 %)`` then ``test image #1234``.
    text : str
        The label's plain text (lines joined by newlines).
    """

    def __init__(self):
        self.plot, self.image = image_plot("")
        self.plot.setFixedWidth(SIDE_WIDTH)
        self.plot.setFixedHeight(SIDE_WIDTH)
        self.label = WrappingLabel(justify="center", size=f"{SIDE_PT}pt")
        self.legend = WrappingLabel(justify="left", size=f"{SIDE_PT}pt")
        for item in (self.label, self.legend):
            item.setFixedWidth(SIDE_WIDTH)
        self.text = ""
        self._theme: Theme | None = None
        self.clear()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.image.setColorMap(theme.sequential())
        for label in (self.label, self.legend):
            size_label(label, SIDE_PT, theme)

    def clear(self) -> None:
        # A transparent (NaN) image, not a hidden one: the plot keeps its 28×28 range.
        self.image.setImage(np.full((28, 28), np.nan, np.float32), autoLevels=False,
                            levels=(0, 1))
        self.text = ""
        color = self._theme.muted if self._theme else "#808080"
        self.label.setText("hover a point<br>to see its image", color=color)

    def show(self, image: np.ndarray, index: int, true: str, said: str, p: float,
             right: bool) -> None:
        """Show ``image`` (H, W) of test image ``index`` and the answer ``said`` with
        probability ``p``; green if ``right``, else red."""
        self.image.setImage(image, autoLevels=False, levels=(0, 1))
        self.text = f"true {true}, said {said} ({100 * p:.0f} %)\ntest image #{index}"
        theme = self._theme
        color = (theme.good if right else theme.bad) if theme else None
        self.label.setText(self.text.replace("\n", "<br>"), color=color)


class MapScene:
    """The map in a ``GraphicsLayout``: scatter plot (left), hover panel and legend (right),
    caption (below).

    Attributes
    ----------
    plot : PlotItem
    points : ScatterPlotItem
        One point per image; brush: its true class; ``data``: its index in ``x_test``.
    mistakes : ScatterPlotItem
        A ring on each image the network gets wrong.
    highlight : ScatterPlotItem
        A ring on the hovered point.
    hover : HoverPanel
    caption : Caption
    layer_map : LayerMap or None
    """

    def __init__(self, layout: pg.GraphicsLayout):
        self.plot = pg.PlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.vb.setAspectLocked(True)  # both axes in the same units: distances are true
        self.points = pg.ScatterPlotItem(size=POINT_SIZE, pen=None, symbol="o")
        self.mistakes = pg.ScatterPlotItem(size=RING_SIZE, brush=None, symbol="o")
        self.highlight = pg.ScatterPlotItem(size=RING_SIZE + 8, brush=None, symbol="o")
        for z, item in enumerate((self.points, self.mistakes, self.highlight)):
            item.setZValue(z)
            self.plot.addItem(item)
        self.hover = HoverPanel()
        self.caption = Caption()
        layout.addItem(self.plot, row=0, col=0)
        side = layout.addLayout(row=0, col=1)
        side.setFixedWidth(SIDE_WIDTH + 10)
        for row, item in enumerate((self.hover.plot, self.hover.label, self.hover.legend)):
            side.addItem(item, row=row, col=0)
        spacer = pg.GraphicsWidget()  # takes the side column's spare height, below the rest
        spacer.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        side.addItem(spacer, row=3, col=0)
        layout.addItem(self.caption, row=1, col=0, colspan=2)
        layout.layout.setColumnStretchFactor(0, 1)
        self.layer_map: LayerMap | None = None
        self._ds = self._sizes = self._about = None
        self._theme: Theme | None = None

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        style_plot(self.plot, theme)
        self.caption.set_color(theme.muted)
        self.hover.set_theme(theme)
        # Rings in the text colour: a red ring would vanish into the red and pink classes.
        self.mistakes.setPen(pg.mkPen(theme.foreground, width=1.4))
        self.highlight.setPen(pg.mkPen(theme.accent, width=3))
        if self._ds is not None:
            self.hover.legend.setText(legend_html(self._ds.class_names, theme),
                                      color=theme.foreground)
        if self.layer_map is not None:
            self.draw(self.layer_map, self._ds, self._sizes, self._about)

    def clear(self, ds=None) -> None:
        """No map; ``ds`` (if given) names the classes of the legend."""
        if ds is not None:
            self._ds = ds
            self.hover.legend.setText(legend_html(ds.class_names, self._theme),
                                      color=self._theme.foreground)
        self.layer_map = None
        for item in (self.points, self.mistakes, self.highlight):
            item.setData(x=[], y=[])
        self.hover.clear()
        for name in ("left", "bottom"):
            self.plot.hideAxis(name)
        self.plot.setTitle("Map of the test images", size=TITLE_SIZE)
        self.caption.set_text(EMPTY_CAPTION)

    def draw(self, m: LayerMap, ds, sizes, about: str) -> None:
        """Show map ``m`` of ``ds.x_test`` for a network of ``sizes`` described by ``about``."""
        self.layer_map, self._ds, self._sizes, self._about = m, ds, tuple(sizes), about
        y = ds.y_test[m.indices]
        wrong = m.predictions != y
        brushes = []
        for c in class_colors(self._theme, ds.n_classes):
            color = pg.mkColor(c)
            color.setAlpha(POINT_ALPHA)
            brushes.append(pg.mkBrush(color))
        x0, x1 = m.coords[:, 0], m.coords[:, 1]
        self.points.setData(x=x0, y=x1, brush=[brushes[k] for k in y], data=m.indices)
        self.mistakes.setData(x=x0[wrong], y=x1[wrong], data=m.indices[wrong])
        self.highlight.setData(x=[], y=[])
        self.plot.enableAutoRange()
        self.plot.vb.updateAutoRange()  # now, not at the next paint: clicks map at once
        name, method = layer_names(sizes)[m.layer], METHOD_NAMES[m.method]
        self.plot.setTitle(f"Test images as {name} sees them ({method})", size=TITLE_SIZE)
        for name in ("left", "bottom"):
            self.plot.showAxis(name)
        self.plot.setLabel("bottom", axis_label(m, 1))
        self.plot.setLabel("left", axis_label(m, 2))
        self.caption.set_text(map_caption(m, sizes, int(wrong.sum()), about))

    def point_at(self, scene_pos) -> int | None:
        """Row of the map's point nearest ``scene_pos`` within HIT_RADIUS_PX, or None."""
        m = self.layer_map
        if m is None or not len(m.indices) or not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        vb = self.plot.vb
        p = vb.mapSceneToView(scene_pos)
        px, py = vb.viewPixelSize()
        d2 = ((m.coords[:, 0] - p.x()) / px) ** 2 + ((m.coords[:, 1] - p.y()) / py) ** 2
        i = int(np.argmin(d2))
        return i if d2[i] <= HIT_RADIUS_PX ** 2 else None

    def hover_at(self, scene_pos) -> None:
        """Ring the point under the cursor and show its image and the network's answer
        (the last one shown stays when the cursor leaves, to be read)."""
        i = self.point_at(scene_pos)
        if i is None:
            self.highlight.setData(x=[], y=[])
            return
        m, ds = self.layer_map, self._ds
        index, p = int(m.indices[i]), m.probabilities[i]
        true, said = int(ds.y_test[index]), int(p.argmax())
        self.highlight.setData(x=[m.coords[i, 0]], y=[m.coords[i, 1]])
        self.hover.show(ds.x_test[index].reshape(ds.image_shape), index, ds.class_names[true],
                        ds.class_names[said], float(p[said]), said == true)
