"""Light and dark themes: the Qt palette, pyqtgraph colours and the colormaps every view uses.

Views take a :class:`Theme` in ``set_theme(theme)`` and restyle their existing items; they
never build their own colours, so both themes stay consistent across the window. The colours
are data: ``resources/light.json`` and ``dark.json`` (and the style sheet they name).

Presenter mode (View > Presenter) is the same theme :meth:`~Theme.presenting`: the charts'
titles and legends larger and every line the views draw through :meth:`Theme.line_width`
thicker, for a projector at the back of a lecture hall. (The window enlarges the application
font itself, by ``PRESENTER_FONT_SCALE``: the widgets and the axes' tick labels follow it.)
Text a view sizes itself (value labels, cell numbers, captions, headers) takes its point size
from :meth:`Theme.points`, which grows it by the same factor; a header that may then be wider
than its scene is a :class:`~nnviz.charts.parts.WrappingLabel`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyqtgraph as pg

from nnviz import resources

# Weights, gradients and deltas: blue (negative) – white/black (0) – red (positive).
DIVERGING = "CET-D1A"
# Activations and pixel intensities: dark (0) to bright (max).
SEQUENTIAL = "viridis"
# Presenter mode: the application font, the charts' titles and legends, and the lines the views
# draw, × these. The titles grow less than the rest: a wider one is cut at its chart's edges.
PRESENTER_FONT_SCALE = 1.5
PRESENTER_TITLE_SCALE = 1.25
PRESENTER_LINE_SCALE = 2.0


@dataclass(frozen=True)
class Theme:
    name: str
    background: str      # plot backgrounds
    foreground: str      # axes, text
    muted: str           # grid, secondary text, captions
    accent: str          # the main curve / highlighted element
    series: tuple[str, ...]  # distinct colours for several curves (layers, splits), in order
    good: str            # e.g. correct answers
    bad: str             # e.g. wrong answers, inactive units
    dark: bool
    # The application palette: (Qt colour role name, colour) pairs for every colour group, then
    # those of the Disabled group; none keeps the Fusion style's standard palette.
    palette: tuple[tuple[str, str], ...] = ()
    disabled: tuple[tuple[str, str], ...] = ()
    style_sheet: str = ""  # the application's Qt style sheet
    font_scale: float = 1.0  # chart titles and legends × this (presenter mode: 1.25)
    line_scale: float = 1.0  # curve and outline widths × this (presenter mode: 2)

    @property
    def presenter(self) -> bool:
        return self.font_scale != 1.0 or self.line_scale != 1.0

    def presenting(self, on: bool = True) -> "Theme":
        """This theme with presenter mode's larger text and thicker lines (``on``), or without."""
        if on:
            return replace(self, font_scale=PRESENTER_TITLE_SCALE, line_scale=PRESENTER_LINE_SCALE)
        return replace(self, font_scale=1.0, line_scale=1.0)

    def points(self, pt: float) -> float:
        """A font size of ``pt`` points as this theme draws it.

        Parameters
        ----------
        pt : float
            The size a view gives its text in the normal theme (e.g. 8 for value labels).

        Returns
        -------
        float
            ``pt × PRESENTER_FONT_SCALE`` in presenter mode, else ``pt``: text with an
            explicit size grows as the application font does, so it stays in proportion to
            the widgets and the tick labels around it.
        """
        return pt * PRESENTER_FONT_SCALE if self.presenter else pt

    def line_width(self, width: float) -> float:
        """A pen ``width`` (cosmetic pixels) as this theme draws it: thicker when presenting."""
        return width * self.line_scale

    def diverging(self) -> pg.ColorMap:
        return pg.colormap.get(DIVERGING)

    def sequential(self) -> pg.ColorMap:
        return pg.colormap.get(SEQUENTIAL)

    def pen(self, index: int = 0, width: float = 1.5) -> "pg.QtGui.QPen":
        """A cosmetic pen of series colour ``index``, ``width`` scaled by :meth:`line_width`."""
        return pg.mkPen(self.series[index % len(self.series)], width=self.line_width(width))


def load_theme(name: str) -> Theme:
    """Theme ``name`` (``"light"`` or ``"dark"``) from its data in ``resources/``."""
    data = resources.theme_data(name)
    return Theme(name, background=data["background"], foreground=data["foreground"],
                 muted=data["muted"], accent=data["accent"], series=tuple(data["series"]),
                 good=data["good"], bad=data["bad"], dark=data["dark"],
                 palette=tuple(data["palette"].items()),
                 disabled=tuple(data["disabled"].items()), style_sheet=data["style_sheet"])


LIGHT = load_theme("light")
DARK = load_theme("dark")
THEMES = {"light": LIGHT, "dark": DARK}


_OWN_TICK_FONT = "_nnviz_own_tick_font"  # the font a view gave an axis itself (None: Qt's)


def style_ticks(axis: pg.AxisItem, theme: Theme) -> None:
    """The axis' tick labels as the view chose them, or larger in presenter mode.

    A view's own tick font (the cells view has one) is scaled as the application font is in
    presenter mode; the default one (None: the application font, which the window enlarges)
    becomes an explicit copy of it, so that the axis measures its text space again.
    """
    from PySide6.QtGui import QFont
    if not hasattr(axis, _OWN_TICK_FONT):
        setattr(axis, _OWN_TICK_FONT, axis.style["tickFont"])
    own = getattr(axis, _OWN_TICK_FONT)
    if not theme.presenter:
        font = own
    elif own is None:
        font = QFont()
    else:
        font = QFont(own)
        font.setPointSizeF(own.pointSizeF() * PRESENTER_FONT_SCALE)
    if font is not axis.style["tickFont"]:
        axis.setStyle(tickFont=font)


def size_label(label: pg.LabelItem, pt: float, theme: Theme) -> None:
    """Give a LabelItem that is not a title (a view's header or read-out) the size ``pt``
    points as ``theme`` draws it (:meth:`Theme.points`), and draw its text again in it.

    The size goes into the label's options, so the view's later ``setText`` calls keep it.
    """
    label.setAttr("size", f"{theme.points(pt):g}pt")
    label.setText(label.text)


def scale_label(label: pg.LabelItem, theme: Theme) -> None:
    """Draw a title or legend label ``theme.font_scale`` times larger. The views give their
    titles an explicit size (``TITLE_SIZE``) at every ``setTitle``, so the scale goes on the
    text item, which keeps it through those calls; the label's size hint includes it."""
    label.item.setScale(theme.font_scale)
    label.setText(label.text)


def style_plot(plot: pg.PlotItem, theme: Theme) -> None:
    """Apply ``theme`` to a PlotItem's axes and title (call again on theme change), with
    presenter mode's larger tick labels and title."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.muted))
        axis.setTextPen(pg.mkPen(theme.foreground))
        style_ticks(axis, theme)
    plot.titleLabel.setAttr("color", theme.foreground)
    scale_label(plot.titleLabel, theme)


def style_legend(legend: pg.LegendItem, theme: Theme, boxed: bool = True) -> None:
    """Theme a legend's labels (re-rendered: ``setAttr`` alone does not redraw them) and,
    when ``boxed``, its translucent background box."""
    legend.setLabelTextColor(theme.foreground)
    for _, label in legend.items:
        label.setAttr("color", theme.foreground)
        scale_label(label, theme)
    if boxed:
        legend.setBrush(pg.mkBrush(theme.background + "cc"))
        legend.setPen(pg.mkPen(theme.muted + "80"))


def apply_palette(app, theme: Theme) -> None:
    """Give the whole application ``theme``'s colours (Fusion style, so dark works everywhere)."""
    from PySide6.QtGui import QColor, QPalette
    if app is None:
        return
    app.setStyle("Fusion")
    if theme.palette:
        p = QPalette()  # the roles the theme leaves out keep the style's colours
        for role, colour in theme.palette:
            p.setColor(QPalette.ColorRole[role], QColor(colour))
        for role, colour in theme.disabled:
            p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole[role], QColor(colour))
        app.setPalette(p)
    else:
        app.setPalette(app.style().standardPalette())
    # The style sheet last: changing it repolishes every widget with the new palette. Set
    # before the palette, the controls and other widgets kept the old theme's colours.
    app.setStyleSheet(theme.style_sheet)
