"""``nnviz gui --train-steps N --screenshot PATH`` on the real MNIST, in a subprocess."""

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage


@pytest.mark.slow
def test_screenshot_after_training(tmp_path, mnist_dir):
    shot = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "nnviz", "gui", "--data-dir", str(mnist_dir.parent),
                          "--train-steps", "40", "--screenshot", str(shot)],
                         capture_output=True, text=True, timeout=240, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    img = QImage(str(shot))
    assert (img.width(), img.height()) == (1600, 1000)
    colours = {img.pixel(x, y) for x in range(0, 1600, 9) for y in range(0, 1000, 9)}
    assert len(colours) > 50  # plots, images and text, not an empty frame
