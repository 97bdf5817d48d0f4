"""The activations view in the docks the main window gives it: nothing cut, the output
column whole, the heatmaps filling their room with colour bars that read their values, and
output bars whose labels leave them most of the plot."""

import numpy as np
import pyqtgraph as pg
import pytest
from gui_helpers import make_snapshot, shown
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from nnviz.charts.output_bars import OutputBars
from nnviz.charts.theme import LIGHT, PRESENTER_FONT_SCALE
from nnviz.engine.config import TrainConfig
from nnviz.gui.views.activations.parts import fit_grid, hidden_columns
from nnviz.gui.views.activations.view import ActivationsView
from nnviz.gui.widgets.layout_check import layout_problems

# The view's size in its dock (the main window at each screen size, measured with the real
# window): (width, height) at 1280×800, 1366×768, 1920×1080, 2560×1440, and presenting at
# 1280×720 and 1920×1080 (the application font × 1.5).
DOCKS = {"1280x800": (390, 678), "1366x768": (431, 646), "1920x1080": (692, 958),
         "2560x1440": (994, 1318)}
PRESENTER_DOCKS = {"1280x720": (601, 606), "1920x1080": (903, 966)}
SIZES = [(name, size, False) for name, size in DOCKS.items()] + \
    [(f"presenting {name}", size, True) for name, size in PRESENTER_DOCKS.items()]


@pytest.fixture
def app_font():
    """The application font is global: presenter mode's larger one is given back."""
    font = QFont(QApplication.font())
    yield font
    QApplication.setFont(font)


def default_view(qtbot, digits, hidden=(256, 128), activation="relu"):
    """The view on the default architecture (784-256-128-10)."""
    view = shown(qtbot, ActivationsView(), 900, 600)
    view.model.set_dataset(digits)
    config = TrainConfig(hidden=hidden, activation=activation, batch_size=32, seed=0)
    view.show_snapshot(make_snapshot(digits, 3, config)[0])
    return view


def present(view, size, presenting: bool, normal_font: QFont) -> None:
    """The view at a dock's ``size``, in presenter mode's fonts (as the window sets them) or
    the normal ones."""
    font = QFont(normal_font)
    if presenting:
        font.setPointSizeF(normal_font.pointSizeF() * PRESENTER_FONT_SCALE)
    QApplication.setFont(font)
    view.set_theme(LIGHT.presenting(presenting))
    view.resize(*size)
    for _ in range(3):
        QApplication.processEvents()


def full_bar_share(bars: OutputBars) -> float:
    """How much of the bars' data area a bar of p = 1 takes."""
    vb = bars.plot.vb
    left, right = (vb.mapViewToScene(pg.Point(x, 0)).x() for x in (0, 1))
    return (right - left) / vb.sceneBoundingRect().width()


@pytest.mark.parametrize("name, size, presenting", SIZES, ids=[s[0] for s in SIZES])
def test_laid_out_in_every_dock(qtbot, digits, app_font, name, size, presenting):
    """Nothing cut or outside at the dock sizes; the output column lies inside the view and
    its bars get two thirds of its width or more (on main the column lay past the view's
    right edge at 1280×800, the input was 54 px wide, and presenting the labels took up to
    60 % of the plot); each heatmap fills its plot's width or height."""
    view = default_view(qtbot, digits)
    present(view, size, presenting, app_font)
    assert layout_problems(view) == []
    visible = view.glw.viewport().rect()
    output = view.glw.mapFromScene(view.output.plot.sceneBoundingRect()).boundingRect()
    assert visible.contains(output)
    assert full_bar_share(view.output) >= 0.65
    for panel in view.panels:
        vb = panel.plot.vb
        cell = min(vb.width() / panel.cols, vb.height() / panel.rows)
        assert max(cell * panel.cols / vb.width(), cell * panel.rows / vb.height()) > 0.97
    probe = view.input_plot.vb.sceneBoundingRect()
    assert probe.width() >= 120 and probe.height() >= 80


def test_heatmaps_take_the_dock_room(qtbot, digits, app_font):
    """At 1280×800 the 256 units' cells are 11 px or more (on main 16×16 cells of 7 px in a
    112 px square); at 1920×1080 20 px or more."""
    view = default_view(qtbot, digits)
    for size, least in ((DOCKS["1280x800"], 11), (DOCKS["1920x1080"], 20)):
        present(view, size, False, app_font)
        panel = view.panels[0]
        vb = panel.plot.vb
        assert min(vb.width() / panel.cols, vb.height() / panel.rows) >= least


def test_colour_bars_read_the_heatmaps(qtbot, digits):
    """ReLU: a sequential scale from 0 to max a; tanh: the diverging one on ±max |a|; the bar's
    levels are the image's, and a new snapshot moves them without new items."""
    view = default_view(qtbot, digits)
    for panel in view.panels:
        assert panel.bar.values == pytest.approx((0.0, float(panel.a.max())))
        assert panel.image.levels == pytest.approx(panel.bar.values)
        assert panel.bar.colorMap().name == LIGHT.sequential().name
        assert panel.bar.scene() is view.glw.scene() and panel.bar.isVisible()
    items = len(view.glw.scene().items())
    bars = [p.bar for p in view.panels]
    later = make_snapshot(digits, 9, TrainConfig(hidden=(256, 128), batch_size=32, seed=0))[0]
    view.show_snapshot(later)
    assert [p.bar for p in view.panels] == bars and len(view.glw.scene().items()) == items
    for panel in view.panels:
        assert panel.bar.values == pytest.approx((0.0, float(panel.a.max())))
    tanh = default_view(qtbot, digits, (64, 32), "tanh")
    for panel in tanh.panels:
        m = float(np.abs(panel.a).max())
        assert panel.bar.values == pytest.approx((-m, m))
        assert panel.image.levels == pytest.approx((-m, m))
        assert panel.bar.colorMap().name == LIGHT.diverging().name


@pytest.mark.parametrize("presenting", [False, True])
@pytest.mark.parametrize("width", [220, 320, 480])
def test_output_bars_keep_most_of_the_plot(qtbot, app_font, width, presenting):
    """The value labels take exactly the widest one's width right of a full bar, whatever
    the plot's width: "100.0 % ◀" ends at the plot's edge, and the bars get the rest (on
    main a third of the plot stayed empty for the labels at any width in the normal theme)."""
    glw = shown(qtbot, pg.GraphicsLayoutWidget(), width, 300)
    bars = OutputBars()
    glw.addItem(bars.plot)
    font = QFont(app_font)
    if presenting:
        font.setPointSizeF(app_font.pointSizeF() * PRESENTER_FONT_SCALE)
    QApplication.setFont(font)
    bars.set_theme(LIGHT.presenting(presenting))
    bars.set_classes([str(k) for k in range(10)])
    p = np.zeros(10)
    p[3] = 1.0
    bars.show(p, p, 3)
    QApplication.processEvents()
    vb, label = bars.plot.vb, bars.labels[3]
    area = vb.sceneBoundingRect()
    margin = label.textItem.document().documentMargin()
    ink_right = (vb.mapViewToScene(label.pos()).x() + margin
                 + label.textItem.boundingRect().width() - 2 * margin)
    assert area.right() - 6 <= ink_right <= area.right()
    assert full_bar_share(bars) == pytest.approx(
        (area.width() - bars.label_width()) / area.width() / 1.02, abs=0.01)
    least = {220: (0.6, 0.4), 320: (0.7, 0.6), 480: (0.8, 0.7)}[width][presenting]
    assert full_bar_share(bars) >= least


def test_grid_and_column_choices():
    assert fit_grid(256, 300, 300) == (16, 16)
    assert fit_grid(256, 600, 150) == (8, 32)
    assert fit_grid(10, 500, 50) == (1, 10)
    rows, cols = fit_grid(97, 200, 200)
    assert rows * cols >= 97 and (rows - 1) * cols < 97
    # Two layers in a tall strip: one above the other; in a wide one: side by side.
    assert hidden_columns([256, 128], 380, 360, 40, 80) == 1
    assert hidden_columns([256, 128], 900, 300, 40, 80) == 2
    # Columns that would not fit their titles lose to any that do.
    assert hidden_columns([32, 32, 32], 600, 200, 40, 80, least_w=250) == 2
    assert hidden_columns([], 380, 360, 40, 80) == 1


def test_a_wide_dock_shows_one_row(qtbot, digits):
    """A dock much wider than tall (1400×450, the view floated or docked below): input,
    layers and output side by side, left to right, nothing cut; a new network with three
    layers is placed so too, its titles measured before its first draw."""
    view = default_view(qtbot, digits)
    view.resize(1400, 450)
    QApplication.processEvents()
    row = [view.body.getItem(0, c) for c in range(4)]
    assert row == [view.input_plot, *[p.cell for p in view.panels], view.output.plot]
    assert layout_problems(view) == []
    three = TrainConfig(hidden=(128, 64, 32), activation="tanh", batch_size=32, seed=0)
    view.show_snapshot(make_snapshot(digits, 3, three, run_id=2)[0])
    QApplication.processEvents()
    assert [view.body.getItem(0, c) for c in range(1, 4)] == [p.cell for p in view.panels]
    assert layout_problems(view) == []
