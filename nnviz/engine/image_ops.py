"""Geometric and morphological operations on batches of flattened images, pure NumPy.

The building blocks of :mod:`nnviz.engine.augment` (and of anything else that needs to rotate,
shift, thicken or thin digits): nearest-neighbour rotation maps, rotate-then-shift ``warp``,
and plus-shaped greyscale dilation and erosion. Conventions as in :mod:`nnviz.engine.augment`.
"""

from __future__ import annotations

import numpy as np


def rotation_sources(angles_deg, image_shape=(28, 28), pad: int = 0) -> np.ndarray:
    """Nearest-neighbour source pixel of every output position, for each angle.

    Parameters
    ----------
    angles_deg : array_like, shape (k,)
        Counter-clockwise on screen, about the image centre.
    image_shape : (H, W)
    pad : int
        The map also covers ``pad`` positions beyond each edge, so that a window of it shifted
        by up to ``pad`` pixels is the map of rotation-then-shift.

    Returns
    -------
    ndarray of int32, shape (k, H + 2·pad, W + 2·pad)
        Row-major source index ``row·W + col`` in [0, H·W); H·W for sources outside the image.
    """
    h, w = image_shape
    theta = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))[:, None, None]
    cos, sin = np.cos(theta), np.sin(theta)
    oy = (np.arange(-pad, h + pad) - (h - 1) / 2)[:, None]
    ox = (np.arange(-pad, w + pad) - (w - 1) / 2)[None, :]
    # Inverse map: rotating the output position clockwise finds where it came from.
    col = np.floor(cos * ox - sin * oy + (w - 1) / 2 + 0.5).astype(np.int64)
    row = np.floor(sin * ox + cos * oy + (h - 1) / 2 + 0.5).astype(np.int64)
    inside = (row >= 0) & (row < h) & (col >= 0) & (col < w)
    return np.where(inside, row * w + col, h * w).astype(np.int32)


def warp(x: np.ndarray, angle_deg: float, dx: int = 0, dy: int = 0,
         image_shape=(28, 28)) -> np.ndarray:
    """Rotate every image about its centre, then shift it by whole pixels.

    Parameters
    ----------
    x : ndarray, shape (m, H·W)
    angle_deg : float
        Counter-clockwise on screen; 90 gives ``np.rot90`` of each (H, W) image.
    dx, dy : int
        Shift in whole pixels: positive ``dx`` moves content right, positive ``dy`` down.
    image_shape : (H, W)

    Returns
    -------
    ndarray of float32, shape (m, H·W)
        Nearest-neighbour samples; 0 where the source lies outside the image.
    """
    if dx != int(dx) or dy != int(dy):
        raise ValueError(f"warp shifts by whole pixels, got dx={dx!r}, dy={dy!r}")
    dx, dy = int(dx), int(dy)
    h, w = image_shape
    pad = max(abs(dx), abs(dy))
    sources = rotation_sources([angle_deg], image_shape, pad)[0]
    window = sources[pad - dy:pad - dy + h, pad - dx:pad - dx + w].ravel()
    x = as_batch(x, h * w)
    src = np.zeros((len(x), h * w + 1), dtype=np.float32)  # last column: "outside" pixels
    src[:, :-1] = x
    return src.take(window, axis=1)


def dilate(images: np.ndarray) -> np.ndarray:
    """Greyscale dilation (thicker strokes): max over the pixel and its 4 neighbours.

    Parameters
    ----------
    images : ndarray, shape (k, H, W)

    Returns
    -------
    ndarray, shape (k, H, W)
        A one-pixel line becomes three pixels wide.
    """
    return _cross_extremum(images, np.maximum)


def erode(images: np.ndarray) -> np.ndarray:
    """Greyscale erosion (thinner strokes): min over the pixel and its 4 neighbours.

    Outside the image counts as 0, so ink touching the border erodes too.

    Parameters
    ----------
    images : ndarray, shape (k, H, W)

    Returns
    -------
    ndarray, shape (k, H, W)
        A three-pixel-wide bar becomes one pixel wide.
    """
    return _cross_extremum(images, np.minimum)


def _cross_extremum(images: np.ndarray, op) -> np.ndarray:
    # A plus-shaped (cross) element rather than 3x3: on MNIST a 3x3 erosion keeps a median 13 %
    # of the ink and wipes out most digits; the cross keeps 31 % (dilation: 1.74x vs 2.04x).
    k, h, w = images.shape
    padded = np.zeros((k, h + 2, w + 2), dtype=np.float32)
    padded[:, 1:-1, 1:-1] = images
    return cross_op(padded, op)[:, 1:-1, 1:-1]


def cross_op(padded: np.ndarray, op) -> np.ndarray:
    """``op`` over each pixel and its 4 neighbours, on zero-bordered (k, H+2, W+2) images.

    Works on the flattened buffer, where the neighbours are at offsets ±1 and ±(W+2): five
    long contiguous operands run ~3x faster than (k, H, W) strided views. Positions on the
    border mix neighbouring rows or images, but only the interior is returned.

    Returns
    -------
    ndarray, shape (k, H+2, W+2)
        New; its border is garbage.
    """
    k, hp, wp = padded.shape
    flat = padded.reshape(-1)
    result = np.empty_like(flat)
    size = flat.size
    inner = result[wp:size - wp]
    op(flat[wp:size - wp], flat[wp - 1:size - wp - 1], out=inner)
    op(inner, flat[wp + 1:size - wp + 1], out=inner)
    op(inner, flat[:size - 2 * wp], out=inner)
    op(inner, flat[2 * wp:], out=inner)
    return result.reshape(k, hp, wp)


def as_batch(x, n: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != n:
        raise ValueError(f"expected a batch of shape (m, {n}), got {x.shape}")
    return x
