"""PNG files of the evaluation view's charts without a window: ``nnviz evaluate --png-dir``.

Each PNG is a scene of the view's own parts (:class:`ConfusionPanel`,
:class:`RobustnessCharts`) with a header line, rendered offscreen at an exact size.
"""

from __future__ import annotations

from nnviz.analysis.evaluation import Evaluation
from nnviz.charts.confusion import CAPTION, ConfusionPanel
from nnviz.charts.evaluation import RobustnessCharts
from nnviz.charts.theme import LIGHT, Theme, style_plot
from nnviz.render.offscreen import ensure_app, save_png, titled_scene

CONFUSION_SIZE = (1000, 760)
ROBUSTNESS_SIZE = (900, 700)


def render_confusion_png(ev: Evaluation, class_names, path, *, theme: Theme = LIGHT,
                         normalised: bool = False, header: str = "",
                         size=CONFUSION_SIZE) -> None:
    """The confusion matrix with per-class accuracy, as the view draws it, in a PNG of
    ``size`` (width, height) pixels."""
    app = ensure_app()
    glw, ci = titled_scene(theme, header, size)
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
    save_png(app, glw, path)


def render_robustness_png(curves: dict, path, *, n: int, theme: Theme = LIGHT,
                          header: str = "", size=ROBUSTNESS_SIZE) -> None:
    """The robustness charts of ``curves`` (:func:`robustness_curves` on ``n`` images) in a
    PNG of ``size`` pixels."""
    app = ensure_app()
    glw, ci = titled_scene(theme, header, size)
    charts = RobustnessCharts(n)
    ci.addItem(charts.layout, row=1, col=0, colspan=2)
    ci.addItem(charts.caption, row=2, col=0, colspan=2)
    charts.caption.set_color(theme.muted)
    charts.set_theme(theme)
    charts.show(curves)
    save_png(app, glw, path)
