"""The cell-by-cell layer view: every cell holds the trace's number, hover spells out the sum."""

import math
import re

import numpy as np
import pytest
from gui_helpers import shown
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QMouseEvent
from PySide6.QtWidgets import QApplication

from nnviz.analysis.cells import layer_cells
from nnviz.analysis.notation import cell_number, number
from nnviz.analysis.trace import forward_trace
from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.network import MLP
from nnviz.gui.views.explorer.cells.parts import MIN_CELL
from nnviz.gui.views.explorer.cells.view import CellView


def digit_like() -> np.ndarray:
    """A blocky '7': a bar on top and a stroke down, values in [0.3, 1], zeros elsewhere."""
    rng = np.random.default_rng(1)
    img = np.zeros((28, 28), np.float32)
    img[5:8, 7:21] = 1.0
    img[8:23, 15:19] = 0.3 + 0.7 * rng.random((15, 4))
    return img.ravel()


@pytest.fixture(scope="module")
def small_record():
    """The output layer (10×16) of 784-16-10, with a bias so the b row is not all zero."""
    net = MLP((784, 16, 10), "relu", seed=0)
    net.layers[1].b[...] = np.linspace(-0.3, 0.3, 10, dtype=np.float32)
    return forward_trace(net, digit_like()).layers[1]


@pytest.fixture(scope="module")
def big_record():
    """Layer 1 (256×784) of 784-256-128-10."""
    return forward_trace(MLP((784, 256, 128, 10), "relu", seed=0), digit_like()).layers[0]


@pytest.fixture
def view(qtbot):
    return shown(qtbot, CellView(), 1000, 650)


def settle(view):
    QApplication.processEvents()
    view.glw.ci.layout.activate()
    QApplication.processEvents()


def check_cells(view, record):
    """Every image and printed value equals the record's numbers for the shown cells."""
    c = view.cells
    units, inputs = c.units, c.inputs
    W = record.W[np.ix_(units, inputs)]
    M = W.astype(np.float64) * record.x[0, inputs].astype(np.float64) if view.product() else W
    np.testing.assert_array_equal(view.x_item.image, record.x[0, inputs][:, None])
    np.testing.assert_array_equal(view.matrix_item.image, M.T)
    for item, values in ((view.b_item, record.b), (view.z_item, record.z[0]),
                         (view.a_item, record.a[0])):
        np.testing.assert_array_equal(item.image, values[units][None, :])
    expected = ([cell_number(v) for v in record.x[0, inputs]]
                + [cell_number(v) for v in M.T.ravel()]
                + [cell_number(v) for v in np.concatenate([record.b[units], record.z[0, units],
                                                           record.a[0, units]])])
    assert view.numbers.texts == expected



def mouse_over(view, kind, *index):
    """A real mouse move (no button) to the centre of a cell."""
    centre = view.cell_rect(kind, *index).center()
    pos = view.glw.mapFromScene(view.plot.vb.mapViewToScene(centre))
    vp = view.glw.viewport()
    ev = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(vp.mapToGlobal(pos)),
                     Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, ev)


SUM = re.compile(r"z\S+ = Σ \d+ (?:shown|inputs) (\S+)(?: \+ Σ \d+ others (\S+))? "
                 r"\+ b (\S+) = ([^,]+),")


def sum_parts(text: str) -> tuple[list[float], float]:
    """The printed parts (shown, [rest,] b) and the printed z of a unit's sum line."""
    found = SUM.match(text.replace("−", "-"))
    assert found, text
    values = [float(v) for v in found.groups() if v is not None]
    return values[:-1], values[-1]


def half_step(v: float) -> float:
    """Largest rounding error of ``v`` printed with 3 significant digits."""
    return 0.5 * 10 ** (math.floor(math.log10(abs(v))) - 2) if v else 0.0


def test_small_layer_cells_and_printed_numbers(view, small_record):
    view.set_layer(small_record)
    settle(view)
    c = view.cells
    assert c.units.tolist() == list(range(10)) and c.inputs.tolist() == list(range(16))
    check_cells(view, small_record)
    assert view.plot.titleLabel.text == (
        "Layer 2: z² = W²·a¹ + b²   (10×16)·(16×1) + (10×1)<br>all 10 units and 16 inputs")
    assert view.numbers_visible()
    for rect in view.numbers.rects:  # every one of the 16 + 160 + 30 cells gets its number
        box = view.plot.vb.mapViewToDevice(rect).boundingRect()
        assert box.width() >= MIN_CELL[0] and box.height() >= MIN_CELL[1]
    # ... and it is really painted: hiding the numbers changes the pixels of every cell
    shown = view.glw.grab().toImage()
    view.numbers.hide()
    bare = view.glw.grab().toImage()
    view.numbers.show()
    changed = 0
    for rect in view.numbers.rects:
        box = view.plot.vb.mapViewToDevice(rect).boundingRect().toRect().adjusted(3, 3, -3, -3)
        changed += any(shown.pixel(x, y) != bare.pixel(x, y)
                       for x in range(box.left(), box.right(), 1)
                       for y in range(box.top(), box.bottom(), 2))
    assert changed == len(view.numbers.rects) == 16 + 160 + 30


def test_big_layer_shows_a_selection_without_numbers(view, big_record):
    view.set_layer(big_record)
    settle(view)
    c = view.cells
    expected = layer_cells(big_record)
    np.testing.assert_array_equal(c.units, expected.units)
    np.testing.assert_array_equal(c.inputs, expected.inputs)
    assert len(c.units) == 24 and len(c.inputs) == 40
    check_cells(view, big_record)
    assert not view.numbers_visible()
    assert view.plot.titleLabel.text == (
        "Layer 1: z¹ = W¹·x + b¹   (256×784)·(784×1) + (256×1)<br>showing 24 of 256 units and "
        "40 of 784 inputs")
    left = dict(view.plot.getAxis("left")._tickLevels[0])
    i = int(c.inputs[0])
    assert left[0.5] == f"{i} ({i // 28},{i % 28})"
    assert sorted(left.values())[-3:] == ["a = relu(z)", "b¹", "z¹"]


def test_labels_thin_out_in_a_small_view(view, big_record, qtbot):
    view.set_layer(big_record)
    view.resize(1000, 900)
    settle(view)

    def labels(axis):
        return [t for _, t in view.plot.getAxis(axis)._tickLevels[0]]

    assert len(labels("left")) == 40 + 3 and len(labels("top")) == 1 + 24
    view.resize(560, 380)                      # a narrow dock: rows of ~5 px, columns of ~18
    qtbot.waitUntil(lambda: len(labels("left")) < 43)
    names = labels("left")
    assert 8 <= len(names) - 3 <= 20 and names[-3:] == ["b¹", "z¹", "a = relu(z)"]
    i = int(view.cells.inputs[0])
    assert names[0] == f"{i} ({i // 28},{i % 28})"
    assert 8 <= len(labels("top")) - 1 < 24
    view.resize(1000, 900)
    qtbot.waitUntil(lambda: len(labels("left")) == 43)


def test_chosen_units_inputs_and_names(view, big_record):
    names = [f"p{i}" for i in range(784)]
    view.set_layer(big_record, units=[200, 7], inputs=[400, 3, 401], input_names=names)
    assert view.cells.units.tolist() == [7, 200] and view.cells.inputs.tolist() == [3, 400, 401]
    check_cells(view, big_record)
    ticks = view.plot.getAxis("left")._tickLevels[0]
    assert [t for _, t in ticks[:3]] == ["p3", "p400", "p401"]
    top = [t for _, t in view.plot.getAxis("top")._tickLevels[0]]
    assert top == ["x", "7", "200"]
    with pytest.raises(ValueError, match="3 input names for 784 inputs"):
        view.set_layer(big_record, input_names=names[:3])


@pytest.mark.parametrize("which", ["small", "big"])
def test_hover_arithmetic_equals_the_trace(view, which, small_record, big_record):
    record = small_record if which == "small" else big_record
    view.set_layer(record)
    c = view.cells
    for j in c.units[[0, -1]]:
        j = int(j)
        view.hover_cell("z", j)
        s = c.unit_sum(j)
        assert view.hover_text() == s.text()
        assert abs(s.total - float(record.z[0, j])) <= 1e-6 * (1 + abs(float(record.z[0, j])))
        assert s.z == record.z[0, j] and s.a == record.a[0, j]
        parts, value = sum_parts(view.hover_text())
        assert len(parts) == (3 if s.n_rest else 2)
        assert value == pytest.approx(float(number(record.z[0, j]).replace("−", "-")))
        rounding = sum(half_step(v) for v in (*parts, value))   # the line adds up as printed
        assert abs(sum(parts) - value) <= rounding + 1e-9
        i = int(c.inputs[-1])
        view.hover_cell("W", j, i)
        w, x = float(record.W[j, i]), float(record.x[0, i])
        assert view.hover_text().startswith(
            f"W{'²' if which == 'small' else '¹'}[{j}, {i}] · x[{i}] = {number(w)} × "
            f"{number(x)} = {number(w * x)}")
        assert view.hover_text().endswith(s.text())
    view.hover_cell(None)
    assert view.hover_text() == ""
    with pytest.raises(ValueError, match="not among the shown"):
        view.hover_cell("W", int(c.units[0]), c.n_in)   # no such input
    assert view.hover_text() == ""


def test_real_mouse_hover_text_and_highlight(view, big_record, no_rate_limit):
    view.set_layer(big_record)
    settle(view)
    c = view.cells
    j, i = int(c.units[5]), int(c.inputs[9])
    mouse_over(view, "W", j, i)
    assert view.hover_text() == f"{c.term(j, i).text()}      {c.unit_sum(j).text()}"
    assert view.cell_box.isVisible() and view.cell_box.rect() == view.cell_rect("W", j, i)
    row, col = view.row_box.rect(), view.col_box.rect()
    assert view.row_box.isVisible() and view.col_box.isVisible()
    assert row.contains(view.cell_rect("x", i).center())             # its input
    assert row.contains(view.cell_rect("W", int(c.units[-1]), i).center())  # the whole row
    for kind in "bza":                                                 # its unit's b, z, a
        assert col.contains(view.cell_rect(kind, j).center())
    assert not col.contains(view.cell_rect("z", int(c.units[6])).center())
    assert not view.group_box.isVisible()

    mouse_over(view, "z", j)
    assert view.hover_text() == c.unit_sum(j).text()
    assert not view.row_box.isVisible() and view.group_box.isVisible()
    assert all(view.group_box.rect().contains(view.cell_rect("x", int(k)).center())
               for k in c.inputs)

    mouse_over(view, "x", i)
    assert view.hover_text() == f"{i} ({i // 28},{i % 28}):  {c.input_terms(i).text()}"
    assert view.row_box.isVisible() and not view.col_box.isVisible()
    assert all(view.group_box.rect().contains(view.cell_rect("z", int(k)).center())
               for k in c.units)

    corner = view.plot.vb.mapViewToScene(QPointF(1.25, -0.02))   # in the gap, off every cell
    pos = view.glw.mapFromScene(corner)
    vp = view.glw.viewport()
    QApplication.sendEvent(vp, QMouseEvent(QEvent.Type.MouseMove, QPointF(pos),
                                           QPointF(vp.mapToGlobal(pos)), Qt.MouseButton.NoButton,
                                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert view.hover_text() == ""
    assert not any(b.isVisible() for b in (view.row_box, view.col_box, view.cell_box,
                                           view.group_box))


def test_product_mode_shows_w_times_x_exactly(view, small_record):
    view.set_layer(small_record)
    c = view.cells
    view.product_box.setChecked(True)          # the checkbox drives the mode
    assert view.product()
    product = (small_record.W.astype(np.float64) * small_record.x[0].astype(np.float64)).T
    np.testing.assert_array_equal(view.matrix_item.image, product)
    check_cells(view, small_record)
    # a column of W ⊙ x sums (with the rest and b) to that unit's z
    np.testing.assert_allclose(view.matrix_item.image.sum(axis=0) + c.b, small_record.z[0],
                               rtol=0, atol=1e-6)
    assert "W²[j, i]·x[i]" in view.plot.getAxis("top").labelText
    view.set_product(False)
    assert not view.product_box.isChecked()
    np.testing.assert_array_equal(view.matrix_item.image, small_record.W.T)
    levels = view.matrix_item.getLevels()
    m = float(np.abs(small_record.W).max())
    assert tuple(levels) == pytest.approx((-m, m))


def contrast(c1: QColor, c2: QColor) -> float:
    def lum(c):
        ch = [v / 255 for v in (c.red(), c.green(), c.blue())]
        ch = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in ch]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]
    hi, lo = sorted((lum(c1), lum(c2)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_printed_numbers_contrast_with_their_cells(view, small_record, theme):
    view.set_layer(small_record)
    view.set_theme(theme)
    settle(view)
    assert view.glw.backgroundBrush().color() == QColor(theme.background)
    image = view.glw.grab().toImage()
    worst = min(contrast(image.pixelColor(view.glw.mapFromScene(
        view.plot.vb.mapViewToScene(QPointF(r.left() + 0.08, r.top() + 0.15)))), color)
        for r, color in zip(view.numbers.rects, view.numbers.colors))
    assert worst >= 3.0
    # both inks are used: dark cells get white text, light cells black
    assert {col.name() for col in view.numbers.colors} == {"#000000", "#ffffff"}


def test_export_item_and_empty_view(qtbot):
    v = CellView(theme=DARK)
    qtbot.addWidget(v)
    assert v.export_item() is v.glw.ci
    assert v.hover_text() == "" and v.cells is None
    assert v.plot.titleLabel.text == "No layer to show yet"
    v.set_product(True)   # nothing to draw yet: no error
    assert v.product()


def test_presenter_mode_prints_larger_numbers_that_still_fit(view, small_record):
    """The printed values are 7.5 pt, 11.25 pt in presenter mode, then 7.5 again; the cells
    they need grow with them (exactly MIN_CELL in the normal theme), so every value printed
    fits inside its cell."""
    view.set_layer(small_record)
    for theme, pt in ((LIGHT, 7.5), (LIGHT.presenting(), 11.25), (LIGHT, 7.5)):
        view.set_theme(theme)
        settle(view)
        numbers = view.numbers
        assert numbers.font.pointSizeF() == pt
        if theme.presenter:
            assert numbers.min_cell[0] > MIN_CELL[0] + 10 and numbers.min_cell[1] > MIN_CELL[1]
        else:
            assert numbers.min_cell == MIN_CELL
        assert view.numbers_visible()
        metrics = QFontMetricsF(numbers.font)
        for rect, text in zip(numbers.rects, numbers.texts, strict=True):
            box = view.plot.vb.mapViewToDevice(rect).boundingRect()
            assert metrics.horizontalAdvance(text) <= box.width() - 2, text
            assert metrics.capHeight() <= box.height() - 2


def test_labels_thin_out_for_the_presenter_tick_font(view, big_record, qtbot):
    """Rows are labelled at most one per tick-font line: in presenter mode's larger tick
    font, fewer of them."""
    view.set_layer(big_record)
    view.resize(560, 380)
    counts = {}
    for theme in (LIGHT, LIGHT.presenting()):
        view.set_theme(theme)
        settle(view)
        axis = view.plot.getAxis("left")
        rows = [y for y, _ in axis._tickLevels[0]][:-3]  # the input rows (then b, z, a)
        px = view.plot.vb.mapViewToDevice(QPointF(0, 1)).y() - view.plot.vb.mapViewToDevice(
            QPointF(0, 0)).y()
        gap = min(np.diff(rows)) * px
        assert gap >= QFontMetricsF(axis.style["tickFont"]).capHeight() + 1
        counts[theme.presenter] = len(rows)
    assert counts[True] < counts[False]
