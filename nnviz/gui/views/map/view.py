"""The map view: test images as points in 2-D, placed by how one layer of the network sees them.

Early in training the classes overlap; as the network learns, each hidden layer pulls them
apart, more so the deeper it is. PCA takes milliseconds; t-SNE (openTSNE) some seconds. Both
are made in a process of their own, t-SNE with progress and Cancel (:mod:`.jobs`). A new
map of the same run, images, layer and method follows the one drawn (t-SNE starts from it,
PCA turns to match it), so the clusters stay in place from epoch to epoch. The scene is
:class:`nnviz.charts.map_scene.MapScene`; this module holds the controls and when to map.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.embedding import SUBSET_SEED, LayerMap, choose_subset, layer_names
from nnviz.charts.map_scene import METHOD_NAMES, MapScene, describe_snapshot
from nnviz.charts.theme import LIGHT, Theme
from nnviz.datasets import Dataset
from nnviz.engine.snapshot import TrainingSnapshot
from nnviz.gui.timing import EPOCH_HZ
from nnviz.gui.views.map.jobs import MapJobs
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import chart_help, help_button, topic
from nnviz.session import SessionModel

CONTROLS_HELP = topic(
    "map.controls", "Making the map",
    "Layer chooses whose view of the images is mapped: the raw pixels, a hidden layer's "
    "activations or the output probabilities. PCA is a linear projection and instant; t-SNE "
    "keeps neighbours together and so shows clusters, but takes some seconds. With refresh "
    "every epoch on, a new map follows training, starting from the previous one so that the "
    "clusters keep their places.",
    "Which layer to map, by PCA or t-SNE, and how many test images")
MAP_HELP = topic(
    "map.scatter", "Map of the representation",
    "Each point is one test image, placed so that images the chosen layer sees alike sit "
    "close together; its colour is the true class and a ring marks a wrong answer. Early in "
    "training the classes overlap, and as the network learns, each deeper layer pulls them "
    "further apart. Hover a point to see its image, and click it to make it the probe.",
    "Test images placed by how one layer sees them · colour: true class, ring: a mistake")


class MapView(QWidget):
    """A 2-D map (PCA or t-SNE) of a class-balanced subset of the test images at one layer.

    Parameters
    ----------
    theme : Theme
    parent : QWidget, optional
    model : SessionModel, optional
        The window's, whose dataset this view shows (default: one of its own, for the view
        on its own).

    Signals
    -------
    probe_requested(int)
        A point was clicked: its index in ``x_test``.
    updated()
        A new map was drawn.

    Attributes
    ----------
    scene : MapScene
        ``points``, ``mistakes``, ``highlight`` (ScatterPlotItems), ``hover``, ``caption``.
    jobs : MapJobs
    """

    probe_requested = Signal(int)
    updated = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None, *, model: SessionModel | None = None):
        super().__init__(parent)
        # The dataset is the model's (the window's; on its own, one of its own).
        self.model = model if model is not None else SessionModel.alone("map", self)
        # The network to map, a snapshot or a loaded MLP (used until the next snapshot):
        # mapped while visible.
        self.drawing = DrawSlot(self, self._take_source, EPOCH_HZ, "map")
        self._sizes: tuple[int, ...] | None = None
        self._requested_key = None
        self._drawn_source = None  # the run or model of the map drawn (see _key)
        self._pending = False
        self._theme = theme
        self.jobs = MapJobs(self)
        self.jobs.progress.connect(self._on_progress)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.cancelled.connect(self._on_cancelled)
        self._build_controls()
        self.glw = pg.GraphicsLayoutWidget()
        self.layout().addWidget(self.glw, 1)
        self.scene = MapScene(self.glw.ci)
        chart_help(self.glw, MAP_HELP, self.scene.plot,
                   covers=[self.scene.hover.plot, self.scene.hover.legend])
        self.glw.scene().sigMouseMoved.connect(self.scene.hover_at)
        self.glw.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.set_theme(theme)
        self.scene.clear()

    def _build_controls(self) -> None:
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The layer whose view of the images is mapped")
        self.method_combo = QComboBox()
        for key, text in METHOD_NAMES.items():
            self.method_combo.addItem(text, key)
        self.method_combo.setToolTip("PCA: a linear projection, instant. t-SNE: keeps "
                                     "neighbours together and so shows clusters; takes seconds")
        self.points_spin = QSpinBox()
        self.points_spin.setRange(500, 5000)
        self.points_spin.setSingleStep(500)
        self.points_spin.setValue(2000)
        self.points_spin.setKeyboardTracking(False)
        self.points_spin.setToolTip("Test images on the map (as many of each class)")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Map the images as the network sees them now")
        self.auto_check = QCheckBox("refresh every epoch")
        self.auto_check.setChecked(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.layer_combo.currentIndexChanged.connect(self.refresh)
        self.method_combo.currentIndexChanged.connect(self.refresh)
        self.points_spin.valueChanged.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.cancel_button.clicked.connect(self.cancel)
        self.auto_check.toggled.connect(self._maybe_auto)
        bar = QHBoxLayout()
        for label, widget in (("Layer:", self.layer_combo), ("Method:", self.method_combo),
                              ("Points:", self.points_spin)):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        for widget in (self.refresh_button, self.auto_check, self.progress, self.cancel_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(help_button(CONTROLS_HELP))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)

    # -- public API ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A map is being made (a superseded or cancelled one until the process has stopped it)."""
        return self.jobs.busy

    @property
    def layer_map(self) -> LayerMap | None:
        """The map drawn."""
        return self.scene.layer_map

    @property
    def layer(self) -> int:
        return max(self.layer_combo.currentIndex(), 0)

    @property
    def method(self) -> str:
        return self.method_combo.currentData()

    def export_item(self) -> pg.GraphicsLayout:
        return self.glw.ci

    def set_dataset(self, ds: Dataset) -> None:
        """Map images of ``ds.x_test``; the old map (of other images) goes."""
        self.points_spin.blockSignals(True)
        self.points_spin.setMaximum(max(min(5000, len(ds.x_test)), self.points_spin.minimum()))
        self.points_spin.blockSignals(False)
        self.jobs.supersede()
        self._pending = False
        self._show_running(False)
        self.scene.clear(ds)
        self._requested_key = None
        self._maybe_auto()

    def show_snapshot(self, snap) -> None:
        """Keep ``snap`` as the network to map; with "refresh every epoch" on, map it when
        its run or its finished epochs differ from the map's (only while visible)."""
        self._set_sizes(tuple(snap.sizes))
        self.drawing.offer(snap)

    def set_model(self, net) -> None:
        """Map ``net`` (a loaded model; copied) now, or when next shown."""
        self._set_sizes(tuple(net.sizes))
        self._requested_key = None
        self.drawing.offer(net.copy())

    def refresh(self) -> None:
        """Map the current network with the chosen layer, method and number of points;
        supersedes a computation under way."""
        self._request()

    def cancel(self) -> None:
        """Stop the computation under way; the previous map stays."""
        self._pending = False
        if self.jobs.running:
            self.jobs.cancel()
            self.progress.setFormat("cancelling…")
            self.cancel_button.setEnabled(False)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.glw.setBackground(theme.background)
        self.scene.set_theme(theme)

    def show_map(self, m: LayerMap, about: str = "") -> None:
        """Draw a computed map; ``about`` names the network (e.g. ``run 3 after 1 epoch``)."""
        ds = self.model.dataset
        sizes = self._sizes or (ds.n_features, ds.n_classes)
        self.scene.draw(m, ds, sizes, about)
        self.updated.emit()

    # -- when to map -----------------------------------------------------------------------

    @property
    def _snap(self) -> TrainingSnapshot | None:
        source = self.drawing.newest
        return source if isinstance(source, TrainingSnapshot) else None

    @property
    def _model(self):
        source = self.drawing.newest
        return None if source is None or isinstance(source, TrainingSnapshot) else source

    def _take_source(self, source) -> None:
        """The slot's draw: a snapshot is mapped as "refresh every epoch" says, a loaded
        model at once."""
        if isinstance(source, TrainingSnapshot):
            self._maybe_auto()
        elif self._key() != self._requested_key:
            self.refresh()

    def _set_sizes(self, sizes: tuple[int, ...]) -> None:
        """Name the layers of a network of these sizes; keep the choice when they match."""
        if sizes == self._sizes:
            return
        self._sizes = sizes
        names = layer_names(sizes)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems(names)
        self.layer_combo.setCurrentIndex(max(len(names) - 2, 0))  # the last hidden layer
        self.layer_combo.blockSignals(False)

    def _key(self):
        """What a map is of: the run and its finished epochs, or the loaded model."""
        if self._snap is not None:
            return ("run", self._snap.run_id, self._snap.epochs_done)
        return ("model", id(self._model))

    def _maybe_auto(self) -> None:
        if (self.auto_check.isChecked() and self.isVisible() and self._has_source()
                and self._key() != self._requested_key):
            self._request(auto=True)

    def _has_source(self) -> bool:
        has_network = self.drawing.newest is not None
        return self.model.dataset is not None and has_network

    def _request(self, auto: bool = False) -> None:
        """Start a map. An epoch's automatic refresh waits for one under way of the same
        run (so a t-SNE slower than an epoch still finishes); anything else supersedes it."""
        if not self._has_source():
            return
        ds, sizes = self.model.dataset, self._sizes
        if sizes[0] != ds.n_features or sizes[-1] != ds.n_classes:
            self.scene.caption.set_text("This network was built for other data: start a new run.")
            return
        if auto and self.jobs.running and self._requested_key[:2] == self._key()[:2]:
            self._pending = True
            return
        self._pending = False
        self._requested_key = self._key()
        net = self._snap.network() if self._snap is not None else self._model
        about = describe_snapshot(self._snap) if self._snap is not None else "the loaded model"
        indices = choose_subset(ds.y_test, self.points_spin.value(), SUBSET_SEED)
        self.jobs.start(net, ds.x_test, indices, self.layer, self.method, SUBSET_SEED, about,
                        previous=self._previous_coords(indices))
        self._show_running(self.method == "tsne")

    def _previous_coords(self, indices):
        """The drawn map's coordinates, when the new map is of the same run (or loaded
        model), images, layer and method and so should follow it; else None (a fresh map)."""
        m = self.layer_map
        if (m is None or self._drawn_source != self._key()[:2] or m.layer != self.layer
                or m.method != self.method or not np.array_equal(m.indices, indices)):
            return None
        return m.coords

    def _show_running(self, tsne: bool) -> None:
        self.progress.setVisible(tsne)
        self.progress.setRange(0, 0)  # "busy" until the first report (the neighbour search)
        self.progress.setFormat("t-SNE %p %")
        self.cancel_button.setEnabled(tsne)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_finished(self, m: LayerMap, about: str) -> None:
        self._show_running(False)
        self._drawn_source = self._requested_key[:2]
        self.show_map(m, about)
        self._end_job()  # a waiting epoch's map now follows this one

    def _on_failed(self, message: str) -> None:
        self._end_job()
        self.scene.caption.set_text(f"The map could not be computed: {message}")

    def _on_cancelled(self) -> None:
        self._end_job()  # the key stays: the next epoch maps again, not the next snapshot

    def _end_job(self) -> None:
        self._show_running(False)
        if self._pending:
            self._request()

    def _on_mouse_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        i = self.scene.point_at(ev.scenePos())
        if i is not None:
            ev.accept()
            self.probe_requested.emit(int(self.layer_map.indices[i]))
