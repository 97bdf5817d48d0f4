"""SVG export (File > Export view, Ctrl+E, a ``.svg`` name): each chart's curves are clipped
to its plot, as on screen and in the PNG, instead of running across the neighbouring charts."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
from gui_helpers import shown, trained
from PySide6.QtSvg import QSvgRenderer

from nnviz.gui.views.curves.view import CurvesView
from nnviz.gui.window.file_commands import export_svg

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def matrix(transform: str | None) -> np.ndarray:
    """The 3×3 matrix of an SVG ``transform="matrix(a,b,c,d,e,f)"`` (Qt writes only those)."""
    if not transform:
        return np.eye(3)
    a, b, c, d, e, f = map(float, re.findall(NUMBER, transform))
    return np.array([[a, c, e], [b, d, f], [0, 0, 1]])


def points(element) -> np.ndarray:
    """(n, 2) points of a ``path``'s ``d``, a ``polyline``'s ``points`` or an ``image``'s box,
    in the element's own coordinates."""
    if element.tag == SVG + "image":
        x, y, w, h = (float(element.get(k)) for k in ("x", "y", "width", "height"))
        return np.array([[x, y], [x + w, y + h]])
    text = element.get("d") or element.get("points") or ""
    return np.array(re.findall(NUMBER, text), dtype=float).reshape(-1, 2)


def box(m: np.ndarray, xy: np.ndarray) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the points ``xy`` mapped through ``m``."""
    mapped = (m @ np.column_stack([xy, np.ones(len(xy))]).T)[:2].T
    return (*mapped.min(axis=0), *mapped.max(axis=0))


def drawn_shapes(path):
    """(points, visible box) of every path, polyline and image: its points on the page (its
    groups' transforms applied) and their box cut by every clip-path around it."""
    root = ET.parse(path).getroot()
    clips = {c.get("id"): points(c.find(SVG + "path")) for c in root.iter(SVG + "clipPath")}
    shapes = []

    def walk(element, ctm, visible):
        ctm = ctm @ matrix(element.get("transform"))
        ref = element.get("clip-path")
        if ref:
            left, top, right, bottom = box(ctm, clips[re.search(r"#([^)]+)", ref)[1]])
            visible = (max(visible[0], left), max(visible[1], top),
                       min(visible[2], right), min(visible[3], bottom))
        if element.tag in (SVG + "path", SVG + "polyline", SVG + "image"):
            xy = points(element)
            if len(xy):
                page = (ctm @ np.column_stack([xy, np.ones(len(xy))]).T)[:2].T
                own = (*page.min(axis=0), *page.max(axis=0))
                shapes.append((page, (max(own[0], visible[0]), max(own[1], visible[1]),
                                      min(own[2], visible[2]), min(own[3], visible[3]))))
        for child in element:
            if child.tag != SVG + "defs":
                walk(child, ctm, visible)
    walk(root, np.eye(3), (-np.inf, -np.inf, np.inf, np.inf))
    return shapes


def qt_matrix(t) -> np.ndarray:
    return np.array([[t.m11(), t.m21(), t.dx()], [t.m12(), t.m22(), t.dy()], [0, 0, 1]])


def test_svg_curves_stay_inside_their_plots(qtbot, snapshot, tmp_path):
    view = shown(qtbot, CurvesView(), 900, 700)
    view.show_snapshot(snapshot)  # 25 steps; the loss from ~2.3 down
    view.loss_plot.setXRange(5, 10, padding=0)  # the x axes are linked: every chart zooms
    view.loss_plot.setYRange(1.0, 1.5, padding=0)
    view.acc_plot.setYRange(20, 40, padding=0)
    qtbot.wait(10)
    item = view.export_item()
    origin = item.sceneBoundingRect().topLeft()
    path = tmp_path / "curves.svg"
    export_svg(item, str(path))
    assert QSvgRenderer(str(path)).isValid()

    shapes = drawn_shapes(path)
    checked = overflowing = 0
    for plot in view.plots:
        vb = plot.vb
        rect = vb.sceneBoundingRect().translated(-origin)
        data_to_page = qt_matrix(vb.childGroup.sceneTransform())
        data_to_page[:2, 2] -= (origin.x(), origin.y())
        for curve in vb.addedItems:
            if not isinstance(curve, pg.PlotDataItem) or curve.xData is None:
                continue
            xy = np.column_stack([curve.xData, curve.yData])
            xy = xy[np.isfinite(xy).all(axis=1)]
            if len(xy) < 2:
                continue
            data = (data_to_page @ np.column_stack([xy, np.ones(len(xy))]).T)[:2].T
            # The curve's drawings: the shapes through two or more of its points.
            for page, (left, top, right, bottom) in shapes:
                near = np.abs(page[:, None, :] - data[None, :, :]).max(axis=2) < 0.5
                if near.any(axis=1).sum() < 2:
                    continue
                checked += 1
                overflowing += bool(page[:, 0].min() < rect.left() - 1
                                    or page[:, 0].max() > rect.right() + 1)
                if left < right and top < bottom:  # anything of it visible: inside the plot
                    assert rect.left() - 1 <= left and right <= rect.right() + 1, plot
                    assert rect.top() - 1 <= top and bottom <= rect.bottom() + 1, plot
    assert checked >= 10 and overflowing >= 5  # the data do run past the zoomed range


def test_every_view_exports_an_svg_qt_can_open(qtbot, window, tmp_path):
    trained(qtbot, window, 30)
    for name in ("curves", "weights", "activations", "data"):
        window.docks[name].show()
        window.docks[name].raise_()
        path = tmp_path / f"{name}.svg"
        assert window.files.export_view(name, path), window.errors
        renderer = QSvgRenderer(str(path))
        assert renderer.isValid(), name
        assert renderer.viewBoxF().width() > 100, name
