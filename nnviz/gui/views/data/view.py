"""The data view: what the network learns from, before and while it learns.

Charts of the training set: sample images per class beside each class's mean image, class
counts (train / test), the histogram of all pixel values, and a strip of augmented samples
that follows the augmentation settings. Everything heavy is computed once per dataset in
:meth:`DataView.set_dataset` (~150 ms for MNIST, see :mod:`.stats`); the charts are drawn
while the view is visible (a :class:`DrawSlot`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSizeF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnviz.charts.parts import (
    TITLE_SIZE,
    Caption,
    bare_axis,
    image_plot,
    restyle,
    static_plot,
    tile,
)
from nnviz.charts.theme import LIGHT, Theme, style_legend
from nnviz.datasets import Dataset
from nnviz.engine.augment import Augmentation, Augmenter
from nnviz.gui.timing import EPOCH_HZ
from nnviz.gui.views.data.stats import LEVELS, dataset_stats
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import chart_help, set_hint, topic
from nnviz.session import SessionModel

SAMPLES_PER_CLASS = 8
MEAN_GAP = 6  # pixels between a class's samples and its mean image
STRIP_IMAGES, STRIP_COPIES = 3, 12
STRIP_GAP = 6  # pixels between the originals and their augmented copies
BAR_HEIGHT = 0.38

# The captions that carry numbers; what each chart shows is behind its "?" (HELP).
CAPTIONS = {
    "histogram": "{n:,} training pixel values; {zero:.0f} % are exactly 0.",
    "strip": "Augmentation: {aug}.",
}
HELP = {
    "samples_plot": topic(
        "data.samples", "Training samples and class means",
        f"Each row is one class: {SAMPLES_PER_CLASS} fixed random training images, then the "
        "mean of all the class's training images, bright where most of them have ink. The "
        "variety within a row is what the network has to see past; the mean is the typical "
        "shape it can lean on.",
        "Sample training images of each class, and the class's mean image"),
    "counts_plot": topic(
        "data.counts", "Images per class",
        "How many training and test images each class has. Near-equal bars mean a balanced "
        "dataset, where accuracy is a fair score; with a rare class, a network could score "
        "well while hardly ever naming it.",
        "Number of training and test images of each class"),
    "hist_plot": topic(
        "data.histogram", "Pixel values",
        f"How often each pixel value occurs in the whole training set ({LEVELS} levels, log "
        "count axis). Most pixels are exactly 0, the background, and the ink piles up near 1; "
        "the values in between are the soft edges of the strokes.",
        "Histogram of all training pixel values, log count axis"),
    "strip_plot": topic(
        "data.strip", "Augmented samples",
        f"Left: {STRIP_IMAGES} training images; right: {STRIP_COPIES} random draws of each "
        "through the current augmentation settings, the kind of copies the network trains "
        "on. Change the augmentation in the Controls to see its effect here, and Shuffle to "
        "draw again.",
        "Training images and random copies through the current augmentation"),
}


def describe(aug: Augmentation) -> str:
    """A short reading of an :class:`Augmentation`, e.g. ``rotation ±15°, noise σ 0.1``."""
    if not aug.enabled:
        return "off, every copy equals its original"
    parts = [(aug.max_rotation_deg, f"rotation ±{aug.max_rotation_deg:g}°"),
             (aug.max_shift_px, f"shift ±{aug.max_shift_px:g} px"),
             (aug.noise_std, f"noise σ {aug.noise_std:g}"),
             (aug.thickness, f"thicker/thinner strokes p {aug.thickness:g}")]
    return ", ".join(text for value, text in parts if value)


def count_ticks(top: int) -> list[tuple[float, str]]:
    """At most three ticks from 0 to about ``top``, in thousands when large ("0", "3k", "6k"):
    five-digit labels side by side ran together ("20004000") in a narrow chart."""
    exp = 10 ** np.floor(np.log10(max(top / 2, 1)))
    step = next(m * exp for m in (1, 2, 2.5, 5, 10) if top / (m * exp) <= 2)
    ticks = np.arange(0, top + 1e-9, step)
    fmt = (lambda v: f"{v / 1000:g}k" if v else "0") if top >= 1000 else (lambda v: f"{v:g}")
    return [(float(v), fmt(v)) for v in ticks]


class FittedLayoutWidget(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget whose layout never stays wider than the view: the layout grows
    to its minimum while axes still have their default 35 px width, and pyqtgraph narrows
    them only when painting, after which nothing shrank the layout back (the charts ran past
    the dock's right edge at 1280×800)."""

    def resizeEvent(self, ev):  # noqa: N802 (Qt naming)
        if getattr(self, "ci", None) is not None:  # resized while being built, too
            self.ci.setMaximumSize(QSizeF(self.size()))  # pyqtgraph passes None, too
        super().resizeEvent(ev)


class DataView(QWidget):
    """Sample images and class means, class counts, pixel histogram and augmented samples.

    Parameters
    ----------
    theme : Theme
    parent : QWidget, optional
    model : SessionModel, optional
        The window's, whose dataset this view shows (default: one of its own, for the view
        on its own).

    Attributes
    ----------
    pixel_counts : ndarray of int64, shape (256,) or None
        Histogram of the training pixels quantised to 0, 1/255, …, 1.
    means : ndarray of float32, shape (K, H, W) or None
        Mean training image per class.
    strip_indices : ndarray of int, shape (STRIP_IMAGES,) or None
        Training images shown in the augmented strip.
    augmented : ndarray of float32, shape (STRIP_IMAGES · STRIP_COPIES, H·W) or None
        The strip's augmented copies, image after image; equals ``Augmenter(image_shape,
        seed=0)(np.repeat(x, STRIP_COPIES, 0), aug, np.random.default_rng(strip_seed))``.
    strip_seed : int
        Seed of the strip's draw; "Shuffle" increments it.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None, *, model: SessionModel | None = None):
        super().__init__(parent)
        # The dataset is the model's (the window's; on its own, one of its own).
        self.model = model if model is not None else SessionModel.alone("data", self)
        self._aug = Augmentation()
        self._augmenter: Augmenter | None = None
        self.pixel_counts = self.means = self.augmented = self.strip_indices = None
        self._chosen = None
        self.strip_seed = 0
        # (dataset, augmentation, strip seed) to draw, while visible.
        self.drawing = DrawSlot(self, self._draw, EPOCH_HZ, "data")
        self._charted = None  # the dataset whose samples, counts and histogram are drawn
        self.summary = QLabel("No dataset loaded.")
        self.summary.setWordWrap(True)  # a long source path must not widen the dock
        # Beside the button its wrapped height is not asked for: room for three lines.
        self.summary.setMinimumHeight(3 * self.summary.fontMetrics().lineSpacing() + 2)
        self.shuffle_button = QPushButton("Shuffle augmented draws")
        self.shuffle_button.setToolTip("Draw the augmented copies again, with a new seed")
        set_hint(self.shuffle_button, "Draw the augmented copies again, with a new seed")
        self.shuffle_button.clicked.connect(self.shuffle)
        self.glw = FittedLayoutWidget()
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.shuffle_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)
        self._build_scene()
        self.set_theme(theme)

    # -- scene ---------------------------------------------------------------------------

    def _build_scene(self) -> None:
        ci = self.glw.ci
        left, right = ci.addLayout(row=0, col=0), ci.addLayout(row=0, col=1)
        ci.layout.setColumnStretchFactor(0, 1)  # a narrow dock still leaves the bars 120 px
        ci.layout.setColumnStretchFactor(1, 1)
        self.samples_plot, self.samples_item = image_plot("Training samples")
        left.addItem(self.samples_plot, row=0, col=0)
        self.means_item = pg.ImageItem()
        self.samples_plot.addItem(self.means_item)
        for name in ("left", "bottom"):
            self.samples_plot.showAxis(name)
        self.hist_plot = static_plot("Pixel values")
        left.addItem(self.hist_plot, row=1, col=0)
        self.hist_plot.getAxis("left").setLogMode(False, True)  # data given as log10(count)
        self.hist_plot.setLabel("bottom", "pixel value")
        self.hist_curve = pg.PlotDataItem(stepMode="center", fillLevel=0)
        self.hist_plot.addItem(self.hist_curve)
        self.counts_plot = static_plot("Class counts")
        right.addItem(self.counts_plot, row=0, col=0)
        self._setup_counts()
        # The strip is 13 images wide: it gets the whole width of the view's bottom row.
        self.strip_plot, self.strip_item = image_plot("Augmented samples")
        bottom = ci.addLayout(row=1, col=0, colspan=2)
        bottom.addItem(self.strip_plot, row=0, col=0)
        ci.layout.setRowStretchFactor(0, 3)
        ci.layout.setRowStretchFactor(1, 1)
        self.captions = {name: Caption() for name in CAPTIONS}
        for layout, row, name in ((left, 2, "histogram"), (bottom, 1, "strip")):
            layout.addItem(self.captions[name], row=row, col=0)
        left.layout.setRowStretchFactor(0, 2)  # the histogram keeps 80 px at 1280×800
        left.layout.setRowStretchFactor(1, 1)
        self.plots = (self.samples_plot, self.hist_plot, self.counts_plot, self.strip_plot)
        for name, about in HELP.items():
            chart_help(self.glw, about, getattr(self, name))

    def _setup_counts(self) -> None:
        plot = self.counts_plot
        plot.getViewBox().invertY(True)  # class 0 on top, as in the samples
        plot.getAxis("left").setStyle(tickLength=0)
        self.train_bars = pg.BarGraphItem(x0=[], y=[], height=BAR_HEIGHT, width=[])
        self.test_bars = pg.BarGraphItem(x0=[], y=[], height=BAR_HEIGHT, width=[])
        self.counts_legend = plot.addLegend(offset=(-4, -4), labelTextSize="8pt")  # bottom right
        for bars, name in ((self.train_bars, "train"), (self.test_bars, "test")):
            plot.addItem(bars)
            self.counts_legend.addItem(bars, name)

    # -- public API ----------------------------------------------------------------------

    def export_item(self) -> pg.GraphicsLayout:
        """The GraphicsLayout holding every chart and caption (for the image/SVG exporters)."""
        return self.glw.ci

    def set_dataset(self, ds: Dataset) -> None:
        """Show ``ds`` and redraw all (while visible). Its :func:`dataset_stats` are computed
        here (~150 ms for MNIST) unless the window computed them off the GUI thread while
        loading."""
        k = ds.n_classes
        stats = dataset_stats(ds, SAMPLES_PER_CLASS)
        self.pixel_counts, self.means, chosen = stats.pixel_counts, stats.means, stats.chosen
        self._chosen = chosen
        picks = np.round(np.linspace(0, k - 1, STRIP_IMAGES + 2)[1:-1]).astype(int)
        self.strip_indices = chosen[picks, 0]
        if self._augmenter is None or self._augmenter.image_shape != tuple(ds.image_shape):
            self._augmenter = Augmenter(ds.image_shape, seed=0)
        self.summary.setText(
            f"<b>{ds.name}</b>: {len(ds.x_train):,} training, {len(ds.x_val):,} validation and "
            f"{len(ds.x_test):,} test images of {ds.image_shape[0]}×{ds.image_shape[1]} "
            f"pixels, {k} classes")
        self._offer()

    def set_augmentation(self, aug: Augmentation) -> None:
        """Follow the training's augmentation settings: the strip is drawn again (same seed)."""
        self._aug = aug
        self._offer()

    def shuffle(self) -> None:
        """New augmented draws of the same images."""
        self.strip_seed += 1
        self._offer()

    def _offer(self) -> None:
        if self.model.dataset is not None:
            self.drawing.offer((self.model.dataset, self._aug, self.strip_seed))

    def set_theme(self, theme: Theme) -> None:
        self.glw.setBackground(theme.background)
        restyle(self.plots, self.captions.values(), theme)
        for name in ("left", "bottom"):
            bare_axis(self.samples_plot.getAxis(name))
        cmap = theme.sequential()
        for item in (self.samples_item, self.means_item, self.strip_item):
            item.setColorMap(cmap)
        self.train_bars.setOpts(brush=theme.series[0], pen=pg.mkPen(None))
        self.test_bars.setOpts(brush=theme.series[1], pen=pg.mkPen(None))
        style_legend(self.counts_legend, theme, boxed=False)
        fill = pg.mkColor(theme.accent)
        fill.setAlpha(110)
        self.hist_curve.setPen(pg.mkPen(theme.accent, width=1.2))
        self.hist_curve.setBrush(fill)

    # -- drawing -------------------------------------------------------------------------

    def _draw(self, item: tuple) -> None:
        """Draw the charts of a new dataset, and the strip of ``(ds, aug, seed)``."""
        ds, aug, seed = item
        if ds is not self._charted:
            self._draw_samples(ds, self._chosen)
            self._draw_counts(ds)
            self._draw_histogram()
            self._charted = ds
        self._draw_strip(ds, aug, seed)

    def _draw_samples(self, ds: Dataset, chosen: np.ndarray) -> None:
        """Samples (levels 0..1) and, in a column to their right, means (levels 0..max)."""
        h, w = ds.image_shape
        images = np.full((chosen.size, h, w), np.nan, dtype=np.float32)
        valid = chosen.reshape(-1) >= 0
        images[valid] = ds.x_train[chosen.reshape(-1)[valid]].reshape(-1, h, w)
        mosaic = tile(images, SAMPLES_PER_CLASS)
        self.samples_item.setImage(mosaic, autoLevels=False, levels=(0, 1))
        mean_x = mosaic.shape[1] + MEAN_GAP
        self.means_item.setImage(tile(self.means, 1), autoLevels=False,
                                 levels=(0, max(float(self.means.max(initial=0)), 1e-6)))
        self.means_item.setPos(mean_x, 0)
        ticks = [(k * (h + 1) + h / 2, name) for k, name in enumerate(ds.class_names)]
        self.samples_plot.getAxis("left").setTicks([ticks, []])
        self.samples_plot.getAxis("bottom").setTicks(
            [[(mosaic.shape[1] / 2, "samples"), (mean_x + w / 2, "mean")], []])
        # The summary above names the dataset: the title stays short enough for a narrow dock.
        self.samples_plot.setTitle("Samples, class means",
                                   size=TITLE_SIZE)

    def _draw_counts(self, ds: Dataset) -> None:
        k = np.arange(ds.n_classes)
        train = np.bincount(ds.y_train, minlength=ds.n_classes)
        test = np.bincount(ds.y_test, minlength=ds.n_classes)
        self.train_bars.setOpts(x0=np.zeros(len(k)), y=k - BAR_HEIGHT / 2, width=train)
        self.test_bars.setOpts(x0=np.zeros(len(k)), y=k + BAR_HEIGHT / 2, width=test)
        self.counts_plot.getAxis("left").setTicks([list(enumerate(ds.class_names)), []])
        # Room on the right for the legend, so it never covers the longest bar.
        top = max(train.max(initial=0), test.max(initial=0), 1)
        self.counts_plot.setXRange(0, top * 1.45, padding=0)
        self.counts_plot.getAxis("bottom").setTicks([count_ticks(top), []])
        self.counts_plot.setYRange(-0.6, ds.n_classes - 0.4, padding=0)

    def _draw_histogram(self) -> None:
        counts = self.pixel_counts
        edges = (np.arange(LEVELS + 1) - 0.5) / (LEVELS - 1)
        # Log axis: bins with no pixel sit on the baseline (10⁰ = 1) instead of at −∞.
        self.hist_curve.setData(edges, np.log10(np.maximum(counts, 1)))
        self.hist_plot.setXRange(-0.02, 1.01, padding=0)
        zero = 100 * counts[0] / max(counts.sum(), 1)
        self.captions["histogram"].set_text(
            CAPTIONS["histogram"].format(n=int(counts.sum()), zero=zero))

    def _draw_strip(self, ds: Dataset, aug: Augmentation, seed: int) -> None:
        h, w = ds.image_shape
        x = ds.x_train[self.strip_indices]
        rng = np.random.default_rng(seed)
        self.augmented = self._augmenter(np.repeat(x, STRIP_COPIES, axis=0), aug, rng)
        originals = tile(x.reshape(-1, h, w), 1)
        copies = tile(self.augmented.reshape(-1, h, w), STRIP_COPIES)
        gap = np.full((len(originals), STRIP_GAP), np.nan, dtype=np.float32)
        self.strip_item.setImage(np.hstack([originals, gap, copies]), autoLevels=False,
                                 levels=(0, 1))
        self.strip_plot.setTitle(f"Augmented samples (seed {seed})", size=TITLE_SIZE)
        self.captions["strip"].set_text(CAPTIONS["strip"].format(aug=describe(aug)))
