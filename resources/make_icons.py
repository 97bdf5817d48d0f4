"""Render the app icon's PNGs from its SVGs: ``python -m nnviz.resources.make_icons``.

Run it from a checkout after editing ``nnviz.svg`` or ``nnviz-small.svg``, look at the PNGs and
commit them. The app loads the PNGs, so it needs no SVG plug-in, and each size is the drawing
made for it: 16 and 32 px come from the simplified ``nnviz-small.svg``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from nnviz.resources import FOLDER, ICON_SIZES

SMALL = 32  # this size and below are drawn from nnviz-small.svg


def source(size: int) -> Path:
    """The SVG drawn for ``size`` px."""
    return FOLDER / ("nnviz-small.svg" if size <= SMALL else "nnviz.svg")


def render(svg: Path, size: int) -> QImage:
    """``svg`` drawn antialiased on a transparent ``size`` × ``size`` image."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: error: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # QPainter needs one
    for size in ICON_SIZES:
        out = FOLDER / f"nnviz-{size}.png"
        if not render(source(size), size).save(str(out)):
            raise SystemExit(f"make_icons: error: could not write {out}")
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
