"""The evaluation view's "Mistakes" page: confusion matrix, per-class accuracy and gallery.

Clicking a cell of the matrix lists its images in the gallery (clicking it again, or "All
mistakes", goes back to every mistake); clicking a thumbnail asks for it as the probe.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.evaluation import Evaluation
from nnviz.charts.confusion import ConfusionPanel
from nnviz.charts.parts import WrappingLabel
from nnviz.charts.theme import Theme, size_label, style_plot
from nnviz.gui.views.evaluation.gallery import Gallery
from nnviz.gui.widgets.help import chart_help, help_button, topic

HEADER_PT = 10  # the header line in the normal theme (Theme.points scales it)
CONTROLS_HELP = topic(
    "mistakes.controls", "Browsing the mistakes",
    "Row-normalised shows each cell of the matrix as a share of its true class instead of a "
    "count, so that small classes compare fairly with large ones. All mistakes goes back from "
    "one cell's images to every mistake, ◀ ▶ turn the gallery's pages, and Send to drawing "
    "pad copies the selected image to the pad to try variations of it.",
    "Counts or shares in the matrix, pages of mistakes, and sending one to the drawing pad")
HELP = {
    "confusion": topic(
        "mistakes.confusion", "Confusion matrix",
        "Rows are the true classes and columns what the network said, so the diagonal (green) "
        "holds the right answers and every other cell one kind of mistake, brighter for more. "
        "The brightest cells off the diagonal are the pairs the network mixes up, often digits "
        "that look alike, such as 4 and 9. Click a cell to list its images in the gallery.",
        "True class (rows) against the network's answer (columns) · click a cell for its "
        "images"),
    "per_class": topic(
        "mistakes.per_class", "Accuracy per class",
        "The share of each class's test images that the network gets right: the part of its "
        "row of the matrix that lies on the diagonal. The dashed line is the overall accuracy; "
        "the classes far below it are the ones to look at in the gallery.",
        "The share of each class's test images answered right · dashed: overall accuracy"),
    "gallery": topic(
        "mistakes.gallery", "Mistakes",
        "The test images the network gets wrong, the most confident mistakes first, each with "
        "its true class, the answer and how sure the network was. Click one to make it the "
        "probe of the Activations view, or right-click to send it to the drawing pad; green "
        "marks right answers, red mistakes.",
        "Test images the network gets wrong, most confident first · click one to probe it"),
}


class MistakesPage(QWidget):
    """Controls (counts or shares, paging, send to pad) above one scene: header, matrix and
    per-class bars, gallery.

    Signals
    -------
    probe_requested(int), send_to_pad(int)
        As the view's.
    selected_changed(int)
        The test image selected (clicked) changed.

    Attributes
    ----------
    glw : GraphicsLayoutWidget
    header : WrappingLabel
    confusion : ConfusionPanel
    gallery : Gallery
    cell : (int, int) or None
        The confusion cell whose images the gallery lists; None: every mistake.
    selected : int or None
        Test index of the image selected.
    """

    probe_requested = Signal(int)
    send_to_pad = Signal(int)
    selected_changed = Signal(int)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model  # the session's: its dataset is the one evaluated
        self.ev: Evaluation | None = None
        self.cell: tuple[int, int] | None = None
        self.selected: int | None = None
        self._build_controls()
        self._build_scene()
        self.normalised.toggled.connect(lambda _: self._draw_confusion())
        self.all_button.clicked.connect(lambda: self.select_cell(None))
        self.prev_button.clicked.connect(lambda: self.set_page(self.gallery.page - 1))
        self.next_button.clicked.connect(lambda: self.set_page(self.gallery.page + 1))
        self.pad_button.clicked.connect(lambda: self.send_to_pad.emit(self.selected))
        self.glw.scene().sigMouseClicked.connect(self._on_click)
        self.glw.scene().sigMouseMoved.connect(self._on_hover)
        # Connected after the gallery's own: the grid (and so the page count) is refitted first.
        self.gallery.plot.vb.sigResized.connect(lambda _: self._update_pager())

    def _build_controls(self) -> None:
        self.normalised = QCheckBox("Row-normalised (% of each true class)")
        self.showing = QLabel("")
        self.showing.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.all_button = QPushButton("All mistakes")
        self.all_button.setToolTip("Show every mistake again, most confident first")
        self.prev_button, self.next_button = QToolButton(text="◀"), QToolButton(text="▶")
        self.prev_button.setToolTip("Previous page")
        self.next_button.setToolTip("Next page")
        self.page_label = QLabel("page 1 of 1")
        self.pad_button = QPushButton("Send to drawing pad")
        self.pad_button.setToolTip("Copy the selected test image onto the drawing pad")
        self.pad_button.setEnabled(False)
        bar = QHBoxLayout()
        bar.addWidget(self.normalised)
        bar.addSpacing(12)
        bar.addWidget(self.showing, 1)
        for widget in (self.all_button, self.prev_button, self.page_label, self.next_button,
                       self.pad_button, help_button(CONTROLS_HELP)):
            bar.addWidget(widget)
        self.glw = pg.GraphicsLayoutWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)

    def _build_scene(self) -> None:
        self.header = WrappingLabel(justify="center", size=f"{HEADER_PT}pt")
        self.confusion = ConfusionPanel()
        self.gallery = Gallery()
        ci = self.glw.ci
        ci.addItem(self.header, row=0, col=0, colspan=3)
        ci.addItem(self.confusion.plot, row=1, col=0)
        ci.addItem(self.confusion.bars_plot, row=1, col=1)
        ci.addItem(self.gallery.plot, row=1, col=2)
        for col, stretch in enumerate((5, 2, 6)):
            ci.layout.setColumnStretchFactor(col, stretch)
        for chart, about in ((self.confusion.plot, HELP["confusion"]),
                             (self.confusion.bars_plot, HELP["per_class"]),
                             (self.gallery.plot, HELP["gallery"])):
            chart_help(self.glw, about, chart)

    # -- content -----------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        self.glw.setBackground(theme.background)
        size_label(self.header, HEADER_PT, theme)
        for plot in (self.confusion.plot, self.confusion.bars_plot, self.gallery.plot):
            style_plot(plot, theme)
        for part in (self.confusion, self.gallery):
            part.set_theme(theme)

    def set_dataset(self, ds) -> None:
        """A new dataset: its classes label the matrix; nothing is selected."""
        self.cell, self.selected = None, None
        self.confusion.set_classes(ds.class_names)

    def clear(self) -> None:
        self.ev = None
        self.confusion.clear()
        self.gallery.clear()
        self.showing.setText("")
        self.pad_button.setEnabled(False)

    def show_evaluation(self, ev: Evaluation) -> None:
        self.ev = ev
        self._draw_confusion()
        self._fill_gallery()

    def select_cell(self, cell: tuple[int, int] | None) -> None:
        """List the images of confusion cell (true, predicted) in the gallery, None: every
        mistake; most confident first either way."""
        self.cell = cell
        self.confusion.select(cell)
        self._fill_gallery()

    def set_page(self, page: int) -> None:
        self.gallery.show_page(page)
        self._update_pager()

    def select(self, index: int) -> None:
        """Select (outline) test image ``index``."""
        self.selected = int(index)
        self.gallery.select(self.selected)
        self.pad_button.setEnabled(True)
        self.selected_changed.emit(self.selected)

    def click_thumbnail(self, index: int) -> None:
        """Select test image ``index`` and ask for it as the probe."""
        self.select(index)
        self.probe_requested.emit(int(index))

    def thumbnail_menu(self, index: int) -> QMenu:
        """The context menu of test image ``index``."""
        menu = QMenu(self)
        menu.addAction(f"Make #{index} the probe", lambda: self.click_thumbnail(index))
        menu.addAction("Send to drawing pad", lambda: self.send_to_pad.emit(index))
        return menu

    def _draw_confusion(self) -> None:
        if self.ev is not None:
            self.confusion.show(self.ev, self.normalised.isChecked())

    def _fill_gallery(self) -> None:
        ev = self.ev
        if ev is None:
            return
        ds = self.model.dataset
        names = ds.class_names
        if self.cell is None:
            indices = ev.misclassified
            title = f"All {len(indices):,} mistakes, most confident first"
        else:
            t, p = self.cell
            indices = ev.cell_indices(t, p)
            indices = indices[np.argsort(-ev.confidence[indices], kind="stable")]
            what = "right" if t == p else f"said {names[p]}"
            title = f"True {names[t]}, {what}: {len(indices):,} images"
        self.gallery.show(ev, ds.x_test, names, indices, title)
        self.gallery.select(self.selected)
        self.showing.setText(title)
        self.all_button.setEnabled(self.cell is not None)
        self._update_pager()

    def _update_pager(self) -> None:
        g = self.gallery
        self.page_label.setText(f"page {g.page + 1} of {g.n_pages}")
        self.prev_button.setEnabled(g.page > 0)
        self.next_button.setEnabled(g.page < g.n_pages - 1)

    # -- mouse -------------------------------------------------------------------------------

    def _on_click(self, event) -> None:
        pos = event.scenePos()
        if self.ev is None:
            return
        if self.confusion.plot.sceneBoundingRect().contains(pos):
            cell = self.confusion.cell_at(self.confusion.plot.vb.mapSceneToView(pos))
            if cell is not None:
                self.select_cell(None if cell == self.cell else cell)
            return
        if self.gallery.plot.sceneBoundingRect().contains(pos):
            index = self.gallery.index_at(self.gallery.plot.vb.mapSceneToView(pos))
            if index is None:
                return
            if event.button() == Qt.MouseButton.RightButton:
                self.select(index)
                self.thumbnail_menu(index).popup(event.screenPos().toPoint())
            else:
                self.click_thumbnail(index)

    def _on_hover(self, pos) -> None:
        c, g = self.confusion, self.gallery
        for hover in (c.hover, c.bars_hover, g.hover):
            hover.hide()
        for plot, hover_at in ((c.plot, c.hover_at), (c.bars_plot, c.bars_hover_at),
                               (g.plot, g.hover_at)):
            if plot.sceneBoundingRect().contains(pos):
                hover_at(plot.vb.mapSceneToView(pos))
                return
