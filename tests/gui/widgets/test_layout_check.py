"""The layout check finds each kind of problem it names, and none in a sound layout."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from nnviz.gui.widgets.layout_check import assert_laid_out, layout_problems


@pytest.fixture
def root(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    return w


def shown(qtbot, w, width, height):
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_a_sound_layout_has_no_problems(qtbot, root):
    lay = QVBoxLayout(root)
    lay.addWidget(QLabel("Learning rate"))
    lay.addWidget(QPushButton("Train"))
    lay.addWidget(QSlider(Qt.Orientation.Horizontal))
    plot = pg.PlotWidget()
    plot.plot(np.arange(10.0), np.arange(10.0) ** 2, name="loss")
    lay.addWidget(plot)
    shown(qtbot, root, 400, 400)
    assert layout_problems(root) == []
    assert_laid_out(root)


def test_a_label_narrower_than_its_text_is_cut(qtbot, root):
    label = QLabel("mnist: 60,000 train / 10,000 test", root)
    label.setGeometry(0, 0, 40, 20)
    shown(qtbot, root, 200, 100)
    [problem] = layout_problems(root)
    assert problem.startswith("text cut: QLabel 'mnist: 60,000 train") and "has 40×20" in problem
    with pytest.raises(AssertionError, match="1 layout problem"):
        assert_laid_out(root)


def test_a_wrapped_label_too_short_for_its_lines_is_cut(qtbot, root):
    label = QLabel("word " * 40, root)
    label.setWordWrap(True)
    label.setGeometry(0, 0, 100, 20)
    shown(qtbot, root, 200, 100)
    [problem] = layout_problems(root)
    assert "needs" in problem and "of height at width 100, has 20" in problem


def test_a_collapsed_slider_and_a_widget_past_its_parent(qtbot, root):
    slider = QSlider(Qt.Orientation.Horizontal, root)
    slider.setGeometry(0, 0, 20, 20)
    button = QPushButton("Go", root)
    button.setGeometry(150, 0, 80, 30)  # the parent is 200 wide: 30 px outside
    shown(qtbot, root, 200, 100)
    problems = layout_problems(root)
    assert any(p.startswith("slider collapsed: QSlider is 20 px long") for p in problems)
    assert any(p.startswith("outside: QPushButton 'Go' at (150, 0) 80×30") for p in problems)


def test_a_small_plot_and_a_plot_outside_its_view(qtbot, root):
    lay = QVBoxLayout(root)
    view = pg.GraphicsLayoutWidget()
    lay.addWidget(view)
    small = view.addPlot(title="tiny")
    small.setFixedHeight(60)
    shown(qtbot, root, 400, 300)
    problems = layout_problems(root)
    assert any(p.startswith("small plot: plot 'tiny' has a data area of") for p in problems)
    assert layout_problems(root, min_plot=None) == []
    wide = pg.PlotItem(title="wide")
    view.scene().addItem(wide)
    wide.setGeometry(300, 0, 400, 200)  # past the view's right edge
    problems = layout_problems(root, min_plot=None)
    assert any(p.startswith("outside: plot 'wide'") for p in problems)


def test_a_legend_over_a_curve_is_found_and_one_beside_it_is_not(qtbot, root):
    lay = QVBoxLayout(root)
    plot = pg.PlotWidget()
    lay.addWidget(plot)
    legend = plot.addLegend(offset=(10, 10))  # the top left corner
    plot.plot([0.0, 1.0], [1.0, 1.0], name="high")  # a line along the top: under the legend
    shown(qtbot, root, 400, 300)
    plot.getPlotItem().getViewBox().setRange(xRange=(0, 1), yRange=(0, 1.05), padding=0)
    qtbot.wait(10)
    problems = layout_problems(root)
    assert any(p.startswith("legend over data") and "high" in p for p in problems), problems
    legend.anchor((0, 1), (0, 1), offset=(10, -10))  # the bottom left: nothing there
    qtbot.wait(10)
    assert layout_problems(root) == []


def test_a_window_larger_than_the_screen(qtbot, root):
    root.setMinimumWidth(1411)  # what the main window's docks asked for at f5f4612
    shown(qtbot, root, 1280, 800)
    [problem] = layout_problems(root, screen=(1280, 800))
    assert problem == "too big: QWidget is 1411×800, the screen 1280×800"
    assert layout_problems(root, screen=(1920, 1080)) == []


def test_diagram_texts_cut_by_the_view_or_on_one_another(qtbot, root):
    from PySide6.QtWidgets import QGraphicsScene, QGraphicsView
    lay = QVBoxLayout(root)
    scene = QGraphicsScene(root)  # freed with the view, not before it
    view = QGraphicsView(scene)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    lay.addWidget(view)
    scene.setSceneRect(0, 0, 300, 200)
    texts = [scene.addSimpleText("hidden 1")]  # held: PySide may free an item it returned
    texts[0].setPos(20, 20)
    shown(qtbot, root, 340, 240)
    assert layout_problems(root) == []
    texts += [scene.addSimpleText("hidden 2"), scene.addSimpleText("input · 28×28")]
    texts[1].setPos(24, 24)  # on "hidden 1"
    texts[2].setPos(-40, 100)  # left of the scene's visible area
    problems = layout_problems(root)
    pair = ("text overlap: 'hidden 2' and 'hidden 1'", "text overlap: 'hidden 1' and 'hidden 2'")
    assert any(p.startswith(pair) for p in problems), problems
    assert any(p.startswith("text outside: 'input · 28×28'") for p in problems), problems


def test_an_image_needs_a_square_not_a_charts_width(qtbot, root):
    """An aspect-locked plot (a 28×28 image) 100 px wide is readable; 60 px is not."""
    lay = QVBoxLayout(root)
    view = pg.GraphicsLayoutWidget()
    lay.addWidget(view)
    image = view.addPlot(title="image")
    image.getViewBox().setAspectLocked(True)
    image.addItem(pg.ImageItem(np.zeros((28, 28))))
    chart = view.addPlot(title="chart")
    for plot in (image, chart):
        plot.setFixedWidth(140)  # data areas about 100 px wide
    shown(qtbot, root, 400, 300)
    problems = [p for p in layout_problems(root) if p.startswith("small plot")]
    assert len(problems) == 1 and "'chart'" in problems[0]
    image.setFixedWidth(90)  # about 50 px
    QApplication.processEvents()
    assert any("'image'" in p for p in layout_problems(root))
