"""The face equations are set in: the stepper's equations and the lessons' share it.

A serif face, as printed mathematics (the first one installed of :data:`MATH_FAMILIES`),
larger than the interface's text. Glyphs a face lacks (⊙, ᵀ) come from Qt's fallback fonts.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

MATH_FAMILIES = ["Cambria", "STIX Two Text", "Latin Modern Roman", "DejaVu Serif",
                 "Times New Roman"]
MATH_SCALE = 1.35


def math_font() -> QFont:
    """The equations' font: serif, :data:`MATH_SCALE` × the application font (which presenter
    mode enlarges). ``equation_html``'s smaller shapes are relative to it."""
    font = QFont(QApplication.font())
    font.setFamilies(MATH_FAMILIES)
    font.setStyleHint(QFont.StyleHint.Serif)
    font.setPointSizeF(QApplication.font().pointSizeF() * MATH_SCALE)
    return font


def math_family() -> str:
    """The first of :data:`MATH_FAMILIES` installed here, for a style sheet's ``font-family``
    ("serif" when none is: Qt then picks its serif default)."""
    installed = set(QFontDatabase.families())
    return next((f for f in MATH_FAMILIES if f in installed), "serif")
