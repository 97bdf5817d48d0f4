"""Light and dark themes: the Qt palette, pyqtgraph colours and the colormaps every view uses.

Views take a :class:`Theme` in ``set_theme(theme)`` and restyle their existing items; they
never build their own colours, so both themes stay consistent across the window. The colours
are data: ``resources/light.json`` and ``dark.json`` (and the style sheet they name).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg

from nnviz import resources

# Weights, gradients and deltas: blue (negative) – white/black (0) – red (positive).
DIVERGING = "CET-D1A"
# Activations and pixel intensities: dark (0) to bright (max).
SEQUENTIAL = "viridis"


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

    def diverging(self) -> pg.ColorMap:
        return pg.colormap.get(DIVERGING)

    def sequential(self) -> pg.ColorMap:
        return pg.colormap.get(SEQUENTIAL)

    def pen(self, index: int = 0, width: float = 1.5) -> "pg.QtGui.QPen":
        """A cosmetic pen of series colour ``index``."""
        return pg.mkPen(self.series[index % len(self.series)], width=width)


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


def style_plot(plot: pg.PlotItem, theme: Theme) -> None:
    """Apply ``theme`` to a PlotItem's axes and title (call again on theme change)."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.muted))
        axis.setTextPen(pg.mkPen(theme.foreground))
    plot.titleLabel.setAttr("color", theme.foreground)
    plot.titleLabel.setText(plot.titleLabel.text)


def style_legend(legend: pg.LegendItem, theme: Theme, boxed: bool = True) -> None:
    """Theme a legend's labels (re-rendered: ``setAttr`` alone does not redraw them) and,
    when ``boxed``, its translucent background box."""
    legend.setLabelTextColor(theme.foreground)
    for _, label in legend.items:
        label.setText(label.text, color=theme.foreground)
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
