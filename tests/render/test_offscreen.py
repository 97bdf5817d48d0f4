"""Saving a widget as PNG: the one place every screenshot and chart picture is written."""

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from nnviz.render.offscreen import grab_png


def test_grab_png_writes_the_widget_at_its_size(qtbot, tmp_path):
    label = QLabel("nnviz")
    qtbot.addWidget(label)
    label.resize(120, 40)
    label.show()
    grab_png(label, tmp_path / "label.png")
    image = QImage(str(tmp_path / "label.png"))
    assert (image.width(), image.height()) == (120, 40)


def test_grab_png_says_when_it_cannot_write(qtbot, tmp_path):
    label = QLabel("nnviz")
    qtbot.addWidget(label)
    with pytest.raises(OSError, match="cannot write the picture .*nowhere/label.png"):
        grab_png(label, tmp_path / "nowhere" / "label.png")
