"""The probe's forward pass and one hidden layer's panel, for the activations view."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nnviz.charts.parts import (
    TITLE_SIZE,
    grid_shape,
    hover_text_item,
    image_plot,
    style_hover,
)
from nnviz.charts.theme import LIGHT, Theme
from nnviz.engine.activations import get_activation

SATURATED = 0.01  # sigmoid/tanh units with f'(z) below this pass almost no gradient
OFF_ALPHA = 165  # opacity of the overlay on inactive units (of 255)


def probe_forward(layers, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations and activations of every layer for one input.

    Computed exactly as :meth:`MLP.logits` does (a row vector times ``Wᵀ``), so the output
    matches the engine's numbers bit for bit; 0.02 ms for 784-256-128-10, against 0.23 ms
    for ``forward_trace(snapshot.network(), x)``.

    Parameters
    ----------
    layers : sequence of LayerState
        ``W`` (n_out, n_in), ``b`` (n_out,), ``activation`` name (the last is the output).
    x : ndarray, shape (n_in,)

    Returns
    -------
    zs, activations : lists of ndarray, shapes (n_l,)
        ``z = W a + b`` and ``a = f(z)`` of each layer; the last ``a`` is the logits.
    """
    a = np.asarray(x, dtype=layers[0].W.dtype)[None, :]
    zs, acts = [], []
    for layer in layers:
        z = a @ layer.W.T
        z += layer.b
        a = get_activation(layer.activation).forward(z)
        zs.append(z[0])
        acts.append(a[0])
    return zs, acts


def inactive_mask(activation: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Units that pass (almost) no gradient for this input: ``f'(z) ≈ 0``.

    ReLU: ``a == 0`` (``z ≤ 0``); leaky ReLU: ``z ≤ 0`` (the leak's small slope);
    sigmoid and tanh: saturated, ``f'(z) < SATURATED``; identity: none.

    Returns
    -------
    ndarray of bool, shape of ``z``
    """
    name = get_activation(activation).name
    if name == "relu":
        return a == 0
    if name == "leaky_relu":
        return z <= 0
    if name in ("sigmoid", "tanh"):
        return get_activation(name).derivative(z, a) < SATURATED
    return np.zeros(z.shape, dtype=bool)


def off_word(activation: str) -> str:
    """How :func:`inactive_mask` units are called for this activation."""
    return "saturated" if activation in ("sigmoid", "tanh") else "off"


class LayerPanel:
    """One hidden layer as a near-square heatmap of its units, inactive units overlaid.

    Parameters
    ----------
    index : int
        Layer number ``l`` (1 = first hidden layer).
    n : int
        Units in the layer.
    activation : str

    Attributes
    ----------
    plot : PlotItem
    image : ImageItem
        ``a`` reshaped to ``(rows, cols)``, NaN (transparent) in the cells past unit n − 1.
    overlay : ImageItem
        RGBA (rows, cols, 4) uint8, opaque-ish ``theme.bad`` on inactive units.
    z, a, off : ndarray, shape (n,)
        The values shown; ``off`` is :func:`inactive_mask`.
    """

    def __init__(self, index: int, n: int, activation: str):
        self.index, self.n, self.activation = index, n, activation
        self.rows, self.cols = grid_shape(n)
        self.plot, self.image = image_plot()
        self.overlay = pg.ImageItem()
        self.overlay.setZValue(1)
        self.plot.addItem(self.overlay)
        self.hover = hover_text_item()
        self.plot.addItem(self.hover, ignoreBounds=True)
        self._grid = np.full(self.rows * self.cols, np.nan, dtype=np.float32)
        self._rgba = np.zeros((self.rows, self.cols, 4), dtype=np.uint8)
        self._theme: Theme = LIGHT
        self.z = self.a = self.off = None

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.image.setColorMap(theme.sequential())
        self._rgba[..., :3] = pg.mkColor(theme.bad).getRgb()[:3]
        style_hover(self.hover, theme)
        if self.a is not None:
            self.show(self.z, self.a)

    def show(self, z: np.ndarray, a: np.ndarray) -> None:
        """Draw this probe's ``z`` and ``a`` (n,) into the existing items."""
        self.z, self.a = z, a
        self.off = inactive_mask(self.activation, z, a)
        self._grid[:self.n] = a
        grid = self._grid.reshape(self.rows, self.cols)
        low, high = min(float(a.min()), 0.0), max(float(a.max()), 1e-6)
        self.image.setImage(grid, autoLevels=False, levels=(low, high))
        alpha = self._rgba[..., 3].reshape(-1)
        alpha[:self.n] = np.where(self.off, OFF_ALPHA, 0)
        self.overlay.setImage(self._rgba, autoLevels=False)
        self.plot.setTitle(
            f"<b>Layer {self.index}</b> · {self.n} {self.activation}<br>a from {low:.3g} to "
            f"{high:.3g}<br><span style='color:{self._theme.bad}'>{int(self.off.sum())} of "
            f"{self.n} units "
            f"{off_word(self.activation)}</span>", size=TITLE_SIZE)

    def unit_at(self, view_x: float, view_y: float) -> int | None:
        """The unit under a point in view coordinates, or None outside the units."""
        col, row = int(np.floor(view_x)), int(np.floor(view_y))
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            return None
        unit = row * self.cols + col
        return unit if unit < self.n else None

    def hover_text(self, unit: int) -> str:
        state = f" ({off_word(self.activation)})" if self.off[unit] else ""
        return (f"layer {self.index}, unit {unit}{state}\n"
                f"z = {self.z[unit]:.4g}\na = {self.a[unit]:.4g}")
