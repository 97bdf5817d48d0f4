"""A map of the representation as a PNG without a window: ``nnviz evaluate --map``."""

from __future__ import annotations

from nnviz.analysis.embedding import SUBSET_SEED, LayerMap, choose_subset, map_layer
from nnviz.charts.map_scene import MapScene
from nnviz.charts.theme import LIGHT, Theme
from nnviz.datasets import Dataset
from nnviz.render.offscreen import blank_scene, ensure_app, save_png


def render_map_png(net, dataset: Dataset, path, *, layer: int, method: str = "pca",
                   n: int = 2000, theme: Theme | None = None, size=(900, 700),
                   about: str = "") -> LayerMap:
    """Compute a map synchronously and save the map view's scene (map, legend, caption) as
    a PNG of ``size`` (width, height) pixels.

    Parameters
    ----------
    net : MLP
    dataset : Dataset
        Mapped: ``n`` of its test images, as many of each class (the map view's subset).
    layer : int
        0 for the pixels, 1 … for the layers' activations.
    method : {"pca", "tsne"}

    Returns
    -------
    LayerMap
        The map drawn.
    """
    app = ensure_app()
    theme = theme or LIGHT
    glw = blank_scene(theme, size)  # no header: the caption under the map says what it is
    scene = MapScene(glw.ci)
    scene.set_theme(theme)
    scene.clear(dataset)
    indices = choose_subset(dataset.y_test, n, SUBSET_SEED)
    m = map_layer(net, dataset.x_test, indices, layer, method, seed=SUBSET_SEED)
    glw.show()
    app.processEvents()
    scene.draw(m, dataset, tuple(net.sizes), about or "the given model")
    scene.hover.label.setText("")  # nothing to hover in a picture
    save_png(app, glw, path)
    return m
