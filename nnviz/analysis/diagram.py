"""What the network diagram draws: the strongest units and the strongest connections.

A diagram of 784-256-128-10 cannot draw 235,000 connections or 256 circles in a column, so
it shows, per layer, the units with the largest ``|value|`` and, per gap between layers, the
connections that carry the most. Forward, the quantity on unit ``j`` of layer ``l`` is its
activation ``a^l_j`` and connection ``i → j`` carries ``a^{l-1}_i · W^l_{ji}`` (its share of
``z^l_j``). Backward, the quantity is ``δ^l_j = ∂L/∂z^l_j`` and the same connection carries
``W^l_{ji} · δ^l_j`` back to unit ``i`` (its share of ``(W^lᵀ δ^l)_i``).

Pure NumPy, no Qt: the view only maps these numbers to items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nnviz.analysis.trace import BackwardTrace, ForwardTrace

MAX_UNITS = 16   # circles per layer
MAX_EDGES = 40   # connections per gap between two layers
DIRECTIONS = ("forward", "backward")


class Edges(NamedTuple):
    """Connections between unit ``i`` of layer ``l − 1`` and unit ``j`` of layer ``l``.

    All three arrays have shape (k,), strongest ``|value|`` first.
    ``value > 0`` is excitatory (raises ``z_j`` forward, ``δ``'s sum backward), ``< 0`` inhibitory.
    """

    i: np.ndarray
    j: np.ndarray
    value: np.ndarray


def strongest_units(values: np.ndarray, k: int, keep: int | None = None) -> np.ndarray:
    """Indices of the units to draw: all when ``n ≤ k``, else the ``k`` largest ``|values|``.

    Returned in increasing index order, so a unit keeps its place in the column while it
    stays among the strongest. Ties go to the lower index; NaN counts as weakest.

    Parameters
    ----------
    values : ndarray, shape (n,)
    k : int
    keep : int, optional
        A unit that must be drawn (the selected one): it replaces the weakest chosen unit.

    Returns
    -------
    ndarray of int, shape (min(n, k),)
    """
    values = np.asarray(values)
    n = values.shape[0]
    if n <= k:
        return np.arange(n)
    strength = np.nan_to_num(np.abs(values), nan=-1.0)
    chosen = np.argsort(-strength, kind="stable")[:k]
    if keep is not None and 0 <= keep < n and keep not in chosen:
        chosen[-1] = keep
    return np.sort(chosen)


def _top(C: np.ndarray, rows: np.ndarray, cols: np.ndarray, k: int) -> Edges:
    """The ``k`` entries of ``C`` (len(rows), len(cols)) with the largest non-zero ``|C|``."""
    flat = C.ravel()
    if k <= 0 or flat.size == 0:
        empty = np.zeros(0, dtype=np.intp)
        return Edges(empty, empty, flat[:0])
    strength = np.nan_to_num(np.abs(flat), nan=0.0)
    if k < flat.size:
        # argpartition first: the first layer offers 16 × 784 candidates
        part = np.argpartition(-strength, k - 1)[:k]
        order = part[np.lexsort((part, -strength[part]))]
    else:
        order = np.lexsort((np.arange(flat.size), -strength))
    order = order[strength[order] > 0]
    r, c = np.divmod(order, C.shape[1])
    return Edges(cols[c], rows[r], flat[order])


def strongest_edges(a_prev: np.ndarray, W: np.ndarray, rows, cols, k: int) -> Edges:
    """The ``k`` largest forward contributions ``a_prev_i · W_ji`` among the shown units.

    Parameters
    ----------
    a_prev : ndarray, shape (n_in,)
        The layer's input (the image for layer 1).
    W : ndarray, shape (n_out, n_in)
    rows : array of int, shape (r,)
        Units ``j`` of this layer that are drawn.
    cols : array of int, shape (c,)
        Units ``i`` of the layer below that are drawn (all pixels for the image).
    k : int

    Returns
    -------
    Edges
        At most ``k`` connections, zero contributions left out.
    """
    rows, cols = np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)
    C = W[np.ix_(rows, cols)] * np.asarray(a_prev)[cols]
    return _top(C, rows, cols, k)


def strongest_backward_edges(delta: np.ndarray, W: np.ndarray, rows, cols, k: int) -> Edges:
    """The ``k`` largest backward contributions ``W_ji · δ_j`` among the shown units.

    Unit ``i`` of the layer below receives ``Σ_j W_ji δ_j`` (before ``⊙ f'(z_i)``); each
    edge is one term of that sum. Parameters as :func:`strongest_edges`, with ``delta``
    (n_out,) the layer's ``δ``.
    """
    rows, cols = np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)
    C = W[np.ix_(rows, cols)] * np.asarray(delta)[rows][:, None]
    return _top(C, rows, cols, k)


def value_levels(values: np.ndarray, symmetric: bool) -> tuple[float, float]:
    """Colour levels for one layer: ``(−m, m)`` with ``m = max|v|`` when ``symmetric``
    (deltas, centred at zero), else ``(min(v, 0), max(v))`` (activations). Never empty."""
    finite = values[np.isfinite(values)]
    if symmetric:
        m = float(np.abs(finite).max()) if finite.size else 0.0
        m = m if m > 0 else 1e-12
        return -m, m
    low = min(float(finite.min()), 0.0) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    return low, max(high, low + 1e-6)


@dataclass(frozen=True)
class DiagramFrame:
    """Everything the diagram draws for one example; lists are indexed by layer ``l − 1``.

    Attributes
    ----------
    direction : str
        ``forward`` (activations, ``a·W``) or ``backward`` (deltas, ``W·δ``).
    units : tuple of ndarray of int, shapes (k_l,)
        Shown units of layers 1..L.
    values : tuple of ndarray, shapes (k_l,)
        Quantity on each shown unit: ``a`` forward (softmax ``p`` for the output layer), ``δ``
        backward.
    levels : tuple of (float, float)
        Colour range of each layer, from all its units (not only the shown ones); (0, 1)
        for the output's probabilities.
    edges : tuple of Edges
        ``edges[l − 1]`` joins layer ``l − 1`` (pixels for ``l = 1``) to layer ``l``.
    """

    direction: str
    units: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]
    levels: tuple[tuple[float, float], ...]
    edges: tuple[Edges, ...]


def layer_quantity(trace: ForwardTrace, l: int, direction: str) -> np.ndarray:
    """What colours layer ``l``'s units for example 0: ``a`` (``p`` at the output) or ``δ``."""
    rec = trace.layers[l - 1]
    if direction == "backward":
        return rec.delta[0]
    return trace.probabilities[0] if l == len(trace.layers) else rec.a[0]


def select(trace: ForwardTrace, direction: str = "forward", max_units: int = MAX_UNITS,
           max_edges: int = MAX_EDGES, keep: tuple[int, int] | None = None) -> DiagramFrame:
    """Choose the units and connections to draw for example 0 of ``trace``.

    ``direction="backward"`` needs a :class:`BackwardTrace`; given a forward one it falls
    back to activations. ``keep = (l, j)`` keeps unit ``j`` of layer ``l`` on screen.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if direction == "backward" and not isinstance(trace, BackwardTrace):
        direction = "forward"
    units, values, levels, edges = [], [], [], []
    shown_below = np.arange(trace.layers[0].x.shape[1])  # every pixel may send an edge
    for l, rec in enumerate(trace.layers, 1):
        v = layer_quantity(trace, l, direction)
        rows = strongest_units(v, max_units, keep[1] if keep and keep[0] == l else None)
        if direction == "backward":
            e = strongest_backward_edges(rec.delta[0], rec.W, rows, shown_below, max_edges)
        else:
            e = strongest_edges(rec.x[0], rec.W, rows, shown_below, max_edges)
        units.append(rows)
        values.append(v[rows])
        if direction == "forward" and l == len(trace.layers):
            levels.append((0.0, 1.0))  # probabilities: a sure answer is the brightest
        else:
            levels.append(value_levels(v, symmetric=direction == "backward"))
        edges.append(e)
        shown_below = rows
    return DiagramFrame(direction, tuple(units), tuple(values), tuple(levels), tuple(edges))
