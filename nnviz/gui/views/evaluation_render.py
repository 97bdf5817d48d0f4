"""PNG files of the evaluation view's charts without a window: ``nnviz evaluate --png-dir``.

Each PNG is a scene of the view's own parts (:class:`ConfusionPanel`,
:class:`RobustnessCharts`) with a header line, rendered offscreen at an exact size.
"""

from __future__ import annotations

import os

import pyqtgraph as pg
from PySide6.QtCore import Qt

from nnviz.core.evaluation import Evaluation
from nnviz.gui.theme import LIGHT, Theme, style_plot
from nnviz.gui.views.evaluation_charts import RobustnessCharts
from nnviz.gui.views.evaluation_confusion import CAPTION, ConfusionPanel

CONFUSION_SIZE = (1000, 760)
ROBUSTNESS_SIZE = (900, 700)


def ensure_app():
    """The QApplication, created offscreen when there is none and no platform was chosen."""
    from PySide6.QtWidgets import QApplication
    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from nnviz.gui.app import make_app
    return make_app()


def _scene(theme: Theme, header: str, size) -> tuple[pg.GraphicsLayoutWidget, pg.GraphicsLayout]:
    glw = pg.GraphicsLayoutWidget()
    glw.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    glw.setBackground(theme.background)
    glw.resize(*size)
    label = pg.LabelItem(justify="center", size="10pt")
    label.setText(header, color=theme.foreground)
    glw.ci.addItem(label, row=0, col=0, colspan=2)
    return glw, glw.ci


def _save(app, glw: pg.GraphicsLayoutWidget, path) -> None:
    glw.show()
    app.processEvents()
    glw.grab().save(str(path))
    glw.close()
    glw.deleteLater()


def render_confusion_png(ev: Evaluation, class_names, path, *, theme: Theme = LIGHT,
                         normalised: bool = False, header: str = "",
                         size=CONFUSION_SIZE) -> None:
    """The confusion matrix with per-class accuracy, as the view draws it, in a PNG of
    ``size`` (width, height) pixels."""
    app = ensure_app()
    glw, ci = _scene(theme, header, size)
    panel = ConfusionPanel()
    ci.addItem(panel.plot, row=1, col=0)
    ci.addItem(panel.bars_plot, row=1, col=1)
    ci.addItem(panel.caption, row=2, col=0, colspan=2)
    ci.layout.setColumnStretchFactor(0, 4)
    ci.layout.setColumnStretchFactor(1, 1)
    panel.set_classes(class_names)
    for plot in (panel.plot, panel.bars_plot):
        style_plot(plot, theme)
    panel.caption.set_text(CAPTION.replace(" Click a cell to see its images.", ""))
    panel.caption.set_color(theme.muted)
    panel.set_theme(theme)
    panel.show(ev, normalised)
    _save(app, glw, path)


def render_robustness_png(curves: dict, path, *, n: int, theme: Theme = LIGHT,
                          header: str = "", size=ROBUSTNESS_SIZE) -> None:
    """The robustness charts of ``curves`` (:func:`robustness_curves` on ``n`` images) in a
    PNG of ``size`` pixels."""
    app = ensure_app()
    glw, ci = _scene(theme, header, size)
    charts = RobustnessCharts(n)
    ci.addItem(charts.layout, row=1, col=0, colspan=2)
    ci.addItem(charts.caption, row=2, col=0, colspan=2)
    charts.caption.set_color(theme.muted)
    charts.set_theme(theme)
    charts.show(curves)
    _save(app, glw, path)
