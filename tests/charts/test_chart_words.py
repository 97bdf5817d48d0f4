"""What the charts write and which colours they pick, no window needed: the map's caption,
axis names and legend, the confusion cells' numbers, the themes' sizes and pens."""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nnviz.analysis.embedding import LayerMap
from nnviz.analysis.evaluation import Evaluation
from nnviz.charts.confusion import cell_text
from nnviz.charts.map_scene import (
    CLASS_COLORS,
    axis_label,
    class_colors,
    describe_snapshot,
    feature_words,
    legend_html,
    map_caption,
)
from nnviz.charts.theme import (
    DARK,
    LIGHT,
    PRESENTER_FONT_SCALE,
    PRESENTER_LINE_SCALE,
    PRESENTER_TITLE_SCALE,
    THEMES,
    load_theme,
)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def a_map(method="pca", n=200, wrong=0, follows=False, explained=(0.25, 0.125)):
    """A LayerMap of ``n`` images at layer 2 of 784-32-16-10, ``wrong`` of them misread."""
    p = np.full((n, 10), 0.01, np.float32)
    y = np.arange(n) % 10
    said = (y + (np.arange(n) < wrong)) % 10
    p[np.arange(n), said] = 0.91
    return LayerMap(2, method, np.arange(n), np.zeros((n, 2)),
                    np.array(explained) if method == "pca" else None, p, follows)


def test_feature_words_name_the_vector_of_each_layer():
    assert feature_words(0, 3, 784) == "its 784 pixel values"
    assert feature_words(1, 3, 32) == "the 32 activations a¹ of hidden layer 1"
    assert feature_words(3, 3, 10) == "the network's 10 output probabilities (softmax)"


def test_the_pca_caption_says_what_the_axes_hold():
    text = map_caption(a_map("pca", n=2000, wrong=50), (784, 32, 16, 10), 50, "run 1")
    assert text.startswith("2,000 test images, each point the 16 activations a² of hidden "
                           "layer 2, projected onto their two directions of largest variance "
                           "(PCA: the axes hold 25.0 % and 12.5 % of it)")
    assert "Ringed: the 50 the network gets wrong (2.5 %)." in text
    assert text.endswith("Network: run 1.")
    followed = map_caption(a_map("pca", follows=True), (784, 32, 16, 10), 0, "run 1")
    assert "(PCA: 37.5 % of it), turned in that plane to line up with the previous map" in followed


def test_the_tsne_caption_says_whether_it_followed_the_previous_map():
    fresh = map_caption(a_map("tsne"), (784, 32, 16, 10), 3, "run 2")
    assert "placed by t-SNE so that images with similar vectors sit together (" in fresh
    assert "Ringed: the 3 the network gets wrong (1.5 %)" in fresh
    followed = map_caption(a_map("tsne", follows=True), (784, 32, 16, 10), 0, "run 2")
    assert "sit together, starting from the previous map so that clusters keep" in followed
    assert "(0.0 %)" in map_caption(a_map("tsne", n=0), (784, 32, 16, 10), 0, "x")  # no ÷ 0


def test_axis_labels():
    assert [axis_label(a_map("pca"), k) for k in (1, 2)] == ["PC 1", "PC 2"]
    assert axis_label(a_map("pca", follows=True), 1) == "PC 1"
    assert axis_label(a_map("tsne"), 2) == "t-SNE 2"


def test_describe_snapshot_counts_epochs_in_words():
    assert describe_snapshot(SimpleNamespace(run_id=3, epochs_done=1, step=469)) == (
        "run 3 after 1 epoch (step 469)")
    assert describe_snapshot(SimpleNamespace(run_id=4, epochs_done=12, step=5628)) == (
        "run 4 after 12 epochs (step 5,628)")


def test_class_colours_per_theme_cycle_past_ten():
    assert class_colors(LIGHT, 10) == list(CLASS_COLORS[False])
    assert class_colors(DARK, 3) == list(CLASS_COLORS[True][:3])
    twelve = class_colors(LIGHT, 12)
    assert twelve[10:] == twelve[:2] and len(set(twelve)) == 10


def test_the_legend_has_a_line_per_class_and_the_ring():
    lines = legend_html(["zero", "one"], DARK).split("<br>")
    assert lines == [f'<span style="color:{CLASS_COLORS[True][0]}">●</span>&nbsp;zero',
                     f'<span style="color:{CLASS_COLORS[True][1]}">●</span>&nbsp;one',
                     f'<span style="color:{DARK.foreground}">◯</span>&nbsp;wrong answer']


def test_confusion_cells_print_counts_or_row_shares():
    # Class 0: 3 right, 1 read as 1; class 1: 2 right; class 2 absent.
    y = np.array([0, 0, 0, 0, 1, 1])
    said = np.array([0, 0, 0, 1, 1, 1])
    ev = Evaluation.from_probabilities(np.eye(3, dtype=np.float32)[said], y)
    assert [cell_text(ev, 0, j, False) for j in range(3)] == ["3", "1", "0"]
    assert [cell_text(ev, 0, j, True) for j in range(3)] == ["75.0", "25.0", "0"]
    assert cell_text(ev, 1, 1, True) == "100.0"
    assert cell_text(ev, 2, 2, True) == ""  # a class with no images has no shares


@pytest.mark.parametrize("name", ["light", "dark"])
def test_themes_are_their_resource_files(name):
    data = json.loads((RESOURCES / f"{name}.json").read_text())
    theme = load_theme(name)
    assert THEMES[name] == theme and theme.name == name
    assert (theme.background, theme.foreground, theme.muted, theme.accent, theme.good,
            theme.bad, theme.dark) == (data["background"], data["foreground"], data["muted"],
                                       data["accent"], data["good"], data["bad"], data["dark"])
    assert theme.series == tuple(data["series"]) and len(theme.series) >= 7
    # Palette entries name a colour of the theme ("foreground") or give one ("#2b2d30").
    for given, resolved in ((data["palette"] or {}, dict(theme.palette)),
                            (data["disabled"] or {}, dict(theme.disabled))):
        assert resolved.keys() == given.keys()
        for role, colour in given.items():
            assert resolved[role] == (colour if colour.startswith("#") else data[colour]), role
    if theme.dark:
        assert f"border: 1px solid {theme.muted};" in theme.style_sheet
    else:
        assert theme.palette == () and theme.style_sheet == ""  # Fusion's own light palette


def test_presenter_mode_scales_text_and_lines_and_comes_back():
    assert not LIGHT.presenter and LIGHT.line_width(1.5) == 1.5
    big = LIGHT.presenting()
    assert big.presenter and (big.font_scale, big.line_scale) == (PRESENTER_TITLE_SCALE,
                                                                  PRESENTER_LINE_SCALE)
    assert big.points(8) == 8 * PRESENTER_FONT_SCALE == 12
    assert big.line_width(1.5) == 1.5 * PRESENTER_LINE_SCALE == 3.0
    assert big.presenting(False) == LIGHT


def test_pens_take_the_series_colours_in_order_and_the_scaled_width():
    pens = [DARK.pen(i) for i in range(len(DARK.series) + 1)]
    assert [p.color().name() for p in pens] == [*DARK.series, DARK.series[0]]
    assert [p.widthF() for p in pens[:2]] == [1.5, 1.5] and pens[0].isCosmetic()
    assert DARK.presenting().pen(2, width=2.0).widthF() == 4.0


def test_per_class_accuracy_axis_draws_its_100_percent_tick(qtbot):
    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter

    from nnviz.charts.confusion import ConfusionPanel
    panel = ConfusionPanel()
    glw = pg.GraphicsLayoutWidget()
    qtbot.addWidget(glw)
    glw.addItem(panel.bars_plot)
    glw.resize(120, 300)  # the bars' width in the evaluation view
    glw.show()
    qtbot.waitExposed(glw)
    img = QImage(300, 300, QImage.Format.Format_ARGB32)
    painter = QPainter(img)
    specs = panel.bars_plot.getAxis("bottom").generateDrawSpecs(painter)
    painter.end()
    assert [text for *_, text in specs[2]] == ["0", "50 %", "100 %"]  # was "0", "50 %"
