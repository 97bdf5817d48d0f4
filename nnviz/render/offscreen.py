"""An offscreen QApplication, a titled chart scene of an exact size, and saving widgets as PNG."""

from __future__ import annotations

import os

import pyqtgraph as pg
from PySide6.QtCore import Qt

from nnviz.charts.theme import Theme


def ensure_app():
    """The QApplication, created offscreen when there is none and no platform was chosen."""
    from PySide6.QtWidgets import QApplication
    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from nnviz.charts.app import make_app
    return make_app()


def blank_scene(theme: Theme, size) -> pg.GraphicsLayoutWidget:
    """A widget of ``size`` (width, height) pixels in ``theme``, never shown on screen."""
    glw = pg.GraphicsLayoutWidget()
    glw.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    glw.setBackground(theme.background)
    glw.resize(*size)
    return glw


def titled_scene(theme: Theme, header: str, size) -> tuple[pg.GraphicsLayoutWidget,
                                                           pg.GraphicsLayout]:
    """A :func:`blank_scene` with ``header`` centred in row 0 of its layout (charts go in
    the rows below)."""
    glw = blank_scene(theme, size)
    label = pg.LabelItem(justify="center", size="10pt")
    label.setText(header, color=theme.foreground)
    glw.ci.addItem(label, row=0, col=0, colspan=2)
    return glw, glw.ci


def grab_png(widget, path) -> None:
    """Save ``widget`` as it is painted now (with its children) as a PNG at ``path``: the
    window's ``--screenshot``, the docs' screenshots and the charts' PNGs all end here.
    Written as every file of nnviz is (:func:`~nnviz.files.atomic.atomic_write`); raises
    its `OutputError` naming ``path``."""
    write_image(widget.grab(), path)


def write_image(image, path, fmt: str = "PNG") -> None:
    """Encode a QImage or QPixmap in memory, then write it with
    :func:`~nnviz.files.atomic.atomic_write` (Qt's own ``save`` would write in place)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    from nnviz.files.atomic import atomic_write
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise OSError(f"cannot encode the picture {path} as {fmt}")
    buffer.close()
    with atomic_write(path) as stream:
        stream.write(data.data())


def save_png(app, glw: pg.GraphicsLayoutWidget, path) -> None:
    """Lay ``glw`` out, save it as a PNG at ``path`` and dispose of it."""
    glw.show()
    app.processEvents()
    grab_png(glw, path)
    glw.close()
    glw.deleteLater()
