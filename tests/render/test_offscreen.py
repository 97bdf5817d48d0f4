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
    (tmp_path / "afile").write_text("mine")
    with pytest.raises(OSError, match=r"afile/label.png: a part of the path is a file"):
        grab_png(label, tmp_path / "afile" / "label.png")
    assert (tmp_path / "afile").read_text() == "mine"


def test_grab_png_makes_missing_folders_and_respects_the_umask(qtbot, tmp_path):
    """Written as every file of nnviz is: Qt's in-place save gave 0644 (no atomicity); the
    old mkstemp-based writes gave 0600 whatever the umask."""
    import os
    label = QLabel("nnviz")
    qtbot.addWidget(label)
    old = os.umask(0o027)
    try:
        grab_png(label, tmp_path / "new" / "label.png")
    finally:
        os.umask(old)
    assert QImage(str(tmp_path / "new" / "label.png")).width() == label.width()
    assert os.stat(tmp_path / "new" / "label.png").st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path / "new") == ["label.png"]
