"""The map as a PNG without a window (``nnviz evaluate --map``)."""

from gui_helpers import make_snapshot, tiny_digits
from PySide6.QtGui import QImage

from nnviz.charts.theme import DARK
from nnviz.render.map import render_map_png


def test_render_map_png_writes_the_picture(qtbot, tmp_path):
    data = tiny_digits(n_train=300, n_test=600)
    net = make_snapshot(data, 21)[0].network()
    path = tmp_path / "map.png"
    m = render_map_png(net, data, path, layer=1, method="pca", n=500, theme=DARK)
    assert m.layer == 1 and len(m.indices) == 500
    image = QImage(str(path))
    assert (image.width(), image.height()) == (900, 700)
    # Many colours (points, text, antialiasing), on a mostly dark background.
    pixels = {image.pixelColor(x, y).name() for x in range(0, 900, 2) for y in range(0, 700, 2)}
    assert len(pixels) > 50
    background = sum(image.pixelColor(x, y).name() == DARK.background
                     for x in range(0, 900, 10) for y in range(0, 700, 10))
    assert background > 0.6 * 90 * 70
