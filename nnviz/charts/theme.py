"""Light and dark themes: the Qt palette, pyqtgraph colours and the colormaps every view uses.

Views take a :class:`Theme` in ``set_theme(theme)`` and restyle their existing items; they
never build their own colours, so both themes stay consistent across the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg

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

    def diverging(self) -> pg.ColorMap:
        return pg.colormap.get(DIVERGING)

    def sequential(self) -> pg.ColorMap:
        return pg.colormap.get(SEQUENTIAL)

    def pen(self, index: int = 0, width: float = 1.5) -> "pg.QtGui.QPen":
        """A cosmetic pen of series colour ``index``."""
        return pg.mkPen(self.series[index % len(self.series)], width=width)


LIGHT = Theme("light", background="#ffffff", foreground="#202124", muted="#80868b",
              accent="#1a73e8",
              series=("#1a73e8", "#e8710a", "#188038", "#d01884", "#9334e6", "#12b5cb", "#b06000"),
              good="#188038", bad="#d93025", dark=False)

DARK = Theme("dark", background="#1e1f22", foreground="#e8eaed", muted="#9aa0a6",
             accent="#8ab4f8",
             series=("#8ab4f8", "#fcad70", "#81c995", "#ff8bcb", "#c58af9", "#78d9ec", "#fdd663"),
             good="#81c995", bad="#f28b82", dark=True)

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
    if not theme.dark:
        app.setPalette(app.style().standardPalette())
        app.setStyleSheet("")
        return
    # Fusion outlines an unchecked box in a shade of the window colour, which vanishes on a
    # dark base (tick boxes in tables disappear): outline them in the muted text colour. The
    # checked state keeps Fusion's own drawing.
    app.setStyleSheet(
        "QCheckBox::indicator:unchecked, QAbstractItemView::indicator:unchecked { "
        f"border: 1px solid {theme.muted}; background: {theme.background}; "
        "width: 12px; height: 12px; border-radius: 2px; }")
    p = QPalette()
    window, base, text = QColor("#2b2d30"), QColor(theme.background), QColor(theme.foreground)
    roles = {QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
             QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: window,
             QPalette.ColorRole.ToolTipBase: window, QPalette.ColorRole.ToolTipText: text,
             QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: window,
             QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.BrightText: QColor(theme.bad),
             QPalette.ColorRole.Link: QColor(theme.accent), QPalette.ColorRole.Highlight: QColor(theme.accent),
             QPalette.ColorRole.HighlightedText: QColor("#000000"),
             QPalette.ColorRole.PlaceholderText: QColor(theme.muted)}
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.muted))
    app.setPalette(p)
