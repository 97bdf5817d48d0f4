"""A layout check: what a person would find cut, covered or cramped in a window.

:func:`layout_problems` walks the visible widgets under a root widget and the pyqtgraph
items in its graphics views, and returns one readable line per problem:

- **text cut**: a label's or button's text needs more room than it has (its size hint is
  larger than its geometry; a word-wrapped label: its height for its width);
- **slider collapsed**: a slider shorter along its axis than :data:`MIN_SLIDER` px (it reads
  as a box);
- **outside**: a widget extends past its parent's rectangle (the part outside is not drawn),
  or a chart's plot, legend or label extends past its graphics view's visible area;
- **small plot**: a plot's data area (the ViewBox of a pyqtgraph ``PlotItem``) is smaller than
  ``min_plot``; an image's (a ViewBox with its aspect locked) shorter side is shorter than
  ``min(min_plot)``: a 28×28 input drawn 100 px wide reads well where a chart would not;
- **legend over data**: a ``LegendItem`` covers points of a curve of its plot;
- **text outside / text overlap**: a text item of a graphics scene (a diagram's label) is cut
  by its view's visible area, or lies on another.

- **too big** (given a ``screen``): the window does not fit that screen.

The tests of every window and view call :func:`assert_laid_out` at the screen sizes in
:data:`SCREENS` and :data:`PRESENTER_SCREENS`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QLabel,
    QRadioButton,
    QSlider,
    QTabBar,
    QWidget,
)

SCREENS = {"1280x800": (1280, 800), "1366x768": (1366, 768), "1920x1080": (1920, 1080),
           "2560x1440": (2560, 1440)}
PRESENTER_SCREENS = {"1280x720": (1280, 720), "1920x1080": (1920, 1080)}
MIN_PLOT = (120, 80)  # px: the smallest data area in which a curve can be read
MIN_SLIDER = 60       # px along a slider's axis
SLACK = 1             # px of rounding allowed everywhere
OVERLAP = 3           # px two texts may share (a line's leading)


def layout_problems(root: QWidget, min_plot: tuple[int, int] | None = MIN_PLOT,
                    screen: tuple[int, int] | None = None) -> list[str]:
    """Every problem a person would see in ``root`` as it is laid out now.

    Parameters
    ----------
    root : QWidget
        A window or a view; only its visible descendants in the same window are checked
        (menus and other top-level windows are not).
    min_plot : (width, height) or None
        The smallest acceptable data area of a plot, px; None skips that check.
    screen : (width, height) or None
        The screen ``root``'s window must fit (its client area).

    Returns
    -------
    list of str
        One line per problem: its kind, the widget (class, object name, text) and numbers.
    """
    problems: list[str] = []
    if screen is not None:
        window = root.window()  # its client area: the frame is the window manager's
        if window.width() > screen[0] or window.height() > screen[1]:
            problems.append(f"too big: {_name(window)} is {window.width()}×{window.height()}, "
                            f"the screen {screen[0]}×{screen[1]}")
    for w in _visible_widgets(root):
        problems += _text_cut(w) + _collapsed(w) + _outside_parent(w)
        if isinstance(w, pg.GraphicsView):
            problems += _chart_problems(w, min_plot)
        if isinstance(w, QGraphicsView):
            problems += _text_items(w)
    return problems


def assert_laid_out(root: QWidget, min_plot: tuple[int, int] | None = MIN_PLOT,
                    screen: tuple[int, int] | None = None) -> None:
    """Raise AssertionError listing :func:`layout_problems` of ``root``, if any."""
    problems = layout_problems(root, min_plot, screen)
    size = f"{root.width()}×{root.height()}"
    assert not problems, (f"{len(problems)} layout problem(s) in {_name(root)} at {size}:\n"
                          + "\n".join(problems))


# -- widgets ----------------------------------------------------------------------------------

def _visible_widgets(root: QWidget) -> list[QWidget]:
    window = root.window()
    found = [w for w in root.findChildren(QWidget)
             if w.isVisible() and w.window() is window and not _scrolled(w)
             and not _moved_away(w, root)]
    return [root, *found] if root.isVisible() else found


def _moved_away(w: QWidget, root: QWidget) -> bool:
    """``w`` or one of its parents lies wholly outside its parent: a dock tabbed behind
    another is "visible" but moved out of sight so (Qt's dock layout does it)."""
    while w is not root and w.parentWidget() is not None and not w.isWindow():
        if not w.geometry().intersects(w.parentWidget().rect()):
            return True
        w = w.parentWidget()
    return False


def _scrolled(w: QWidget) -> bool:
    """Inside a scroll area's viewport: what lies outside is reached by scrolling."""
    p = w.parentWidget()
    while p is not None:
        area = p.parentWidget()
        if isinstance(area, QAbstractScrollArea) and area.viewport() is p \
                and not isinstance(area, pg.GraphicsView):
            return True
        p = area
    return False


def _name(w: QWidget) -> str:
    text = ""
    if isinstance(w, (QLabel, QAbstractButton)) and w.text():
        text = f" {w.text()[:40]!r}"
    name = f" #{w.objectName()}" if w.objectName() else ""
    return f"{type(w).__name__}{name}{text}"


def _text_cut(w: QWidget) -> list[str]:
    if isinstance(w, QLabel):
        if not w.text() or w.pixmap() is not None and not w.pixmap().isNull():
            return []
        if w.wordWrap():
            need = w.heightForWidth(w.width())
            if need > w.height() + SLACK:
                return [f"text cut: {_name(w)} needs {need} px of height at width "
                        f"{w.width()}, has {w.height()}"]
            return []
    elif not (isinstance(w, QAbstractButton) and w.text()) or isinstance(w.parentWidget(),
                                                                         QTabBar):
        return []
    hint = w.sizeHint()
    if isinstance(w, QAbstractButton):
        # A button's hint holds the style's padding and minimum width (80 px for a push
        # button): what must fit is its text and icon.
        fm = w.fontMetrics()
        icon = w.iconSize().width() + 4 if not w.icon().isNull() else 0
        hint = QSize(fm.horizontalAdvance(w.text()) + icon + 4, fm.height())
        if isinstance(w, (QCheckBox, QRadioButton)):
            hint = QSize(max(hint.width() + 20, w.sizeHint().width()), hint.height())
    if hint.width() > w.width() + SLACK or hint.height() > w.height() + SLACK:
        return [f"text cut: {_name(w)} needs {hint.width()}×{hint.height()} px, "
                f"has {w.width()}×{w.height()}"]
    return []


def _collapsed(w: QWidget) -> list[str]:
    if not isinstance(w, QSlider):
        return []
    length = w.width() if w.orientation() == Qt.Orientation.Horizontal else w.height()
    if length < MIN_SLIDER:
        return [f"slider collapsed: {_name(w)} is {length} px long (< {MIN_SLIDER})"]
    return []


def _outside_parent(w: QWidget) -> list[str]:
    p = w.parentWidget()
    if p is None or w.isWindow():
        return []
    g = w.geometry()
    inside = p.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK)
    if inside.contains(g):
        return []
    return [f"outside: {_name(w)} at ({g.x()}, {g.y()}) {g.width()}×{g.height()} extends past "
            f"its parent {_name(p)} of {p.width()}×{p.height()}"]


# -- graphics ---------------------------------------------------------------------------------

def _text_items(view: QGraphicsView) -> list[str]:
    """Texts of a graphics scene (a diagram's labels, a chart's tick labels drawn as items)
    wholly inside the view's visible area and not on top of one another."""
    scene = view.scene()
    if scene is None:
        return []
    visible = QRectF(view.viewport().rect()).adjusted(-SLACK, -SLACK, SLACK, SLACK)
    boxes = []
    problems = []
    for item in scene.items():
        if not isinstance(item, (QGraphicsSimpleTextItem, QGraphicsTextItem)) \
                or not _shown(item):
            continue
        text = item.text() if isinstance(item, QGraphicsSimpleTextItem) else \
            item.toPlainText()
        if not text.strip() or isinstance(item.parentItem(), (pg.AxisItem, pg.LabelItem)):
            continue
        box = QRectF(view.mapFromScene(item.sceneBoundingRect()).boundingRect())
        if isinstance(item, QGraphicsTextItem):  # its box holds the document's margin
            m = item.document().documentMargin() * item.sceneTransform().m22()
            box = box.adjusted(m, m, -m, -m)
        if not visible.contains(box):
            problems.append(f"text outside: {text[:40]!r} at ({box.x():.0f}, {box.y():.0f}) "
                            f"{box.width():.0f}×{box.height():.0f} is cut by the visible "
                            f"{view.viewport().width()}×{view.viewport().height()} of "
                            f"{_name(view)}")
        boxes.append((text, box))
    for i, (text, box) in enumerate(boxes):
        for other, obox in boxes[i + 1:]:
            both = box.intersected(obox)
            if both.width() > OVERLAP and both.height() > OVERLAP:
                problems.append(f"text overlap: {text[:30]!r} and {other[:30]!r} overlap by "
                                f"{both.width():.0f}×{both.height():.0f} px in {_name(view)}")
    return problems


# -- charts -----------------------------------------------------------------------------------

def _chart_problems(view: pg.GraphicsView, min_plot) -> list[str]:
    scene = view.scene()
    if scene is None:
        return []
    visible = QRectF(view.viewport().rect()).adjusted(-SLACK, -SLACK, SLACK, SLACK)
    problems = []
    for item in scene.items():
        if not item.isVisible() or not _shown(item):
            continue
        if isinstance(item, (pg.PlotItem, pg.LegendItem, pg.LabelItem)) \
                and not isinstance(item.parentItem(), pg.LegendItem):
            box = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
            if not visible.contains(QRectF(box)):
                problems.append(f"outside: {_item_name(item)} at ({box.x()}, {box.y()}) "
                                f"{box.width()}×{box.height()} extends past the visible "
                                f"{view.viewport().width()}×{view.viewport().height()} of "
                                f"{_name(view)}")
        if isinstance(item, pg.PlotItem) and not isinstance(item, pg.ColorBarItem) \
                and min_plot is not None:
            vb = item.getViewBox()
            r = vb.sceneBoundingRect()
            if vb.state["aspectLocked"]:  # an image: it needs a square, not a chart's width
                small = min(r.width(), r.height()) < min(min_plot) - SLACK
            else:
                small = r.width() < min_plot[0] - SLACK or r.height() < min_plot[1] - SLACK
            if small:
                problems.append(f"small plot: {_item_name(item)} has a data area of "
                                f"{r.width():.0f}×{r.height():.0f} px (< {min_plot[0]}×"
                                f"{min_plot[1]}) in {_name(view)}")
        if isinstance(item, pg.LegendItem):
            problems += _legend_over_data(item, view)
    return problems


def _shown(item) -> bool:
    """The item and all its parents are visible (isVisible alone looks at the item)."""
    while item is not None:
        if not item.isVisible():
            return False
        item = item.parentItem()
    return True


def _item_name(item) -> str:
    if isinstance(item, pg.PlotItem):
        title = item.titleLabel.text if item.titleLabel.isVisible() else ""
        return f"plot {title!r}" if title else "plot"
    if isinstance(item, pg.LabelItem):
        return f"label {item.text!r}"
    return type(item).__name__


def _legend_over_data(legend: pg.LegendItem, view: pg.GraphicsView) -> list[str]:
    plot = _plot_of(legend)
    if plot is None or legend.sceneBoundingRect().isEmpty():
        return []
    vb = plot.getViewBox()
    area, box = vb.sceneBoundingRect(), legend.sceneBoundingRect()
    covered = []
    for curve in plot.listDataItems():
        if not curve.isVisible():
            continue
        xy = _scene_points(curve, vb)
        if xy is None:
            continue
        x, y = xy
        shown = ((x >= area.left()) & (x <= area.right())
                 & (y >= area.top()) & (y <= area.bottom()))
        under = shown & (x > box.left()) & (x < box.right()) & (y > box.top()) \
            & (y < box.bottom())
        if under.any():
            name = curve.name() if hasattr(curve, "name") and curve.name() else "a curve"
            covered.append(f"{name} ({int(under.sum())} points)")
    if not covered:
        return []
    return [f"legend over data: the legend of {_item_name(plot)} in {_name(view)} covers "
            + ", ".join(covered)]


def _plot_of(legend: pg.LegendItem):
    """The plot a legend belongs to (``addLegend`` parents it to the plot's ViewBox)."""
    item = legend.parentItem()
    while item is not None and not isinstance(item, pg.PlotItem):
        item = item.parentItem()
    return item


def _scene_points(curve, vb: pg.ViewBox):
    """The curve's points in scene coordinates, its segments sampled every ~2 px (a line
    that crosses the legend between two far-apart points covers it too)."""
    x, y = curve.getData() if hasattr(curve, "getData") else (None, None)
    if x is None or y is None or len(x) == 0:
        return None
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size == y.size + 1:  # a histogram drawn in steps: x holds the bins' edges
        x = (x[:-1] + x[1:]) / 2
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size == 0:
        return None
    t = vb.childGroup.sceneTransform()
    sx = t.m11() * x + t.m21() * y + t.dx()
    sy = t.m12() * x + t.m22() * y + t.dy()
    if sx.size > 1 and getattr(curve, "opts", {}).get("pen", True) is not None:
        steps = np.ceil(np.hypot(np.diff(sx), np.diff(sy)) / 2).clip(1, 1000).astype(int)
        if steps.max() > 1:
            seg = np.repeat(np.arange(sx.size - 1), steps)
            frac = np.concatenate([np.arange(n) / n for n in steps])
            sx = np.append(sx[seg] + frac * np.diff(sx)[seg], sx[-1])
            sy = np.append(sy[seg] + frac * np.diff(sy)[seg], sy[-1])
    return sx, sy
