"""What the network diagram draws: the strongest units and the strongest connections.

A diagram of 784-256-128-10 cannot draw 235,000 connections or 256 circles in a column, so
it shows, per layer, the units with the largest ``|value|`` and, per gap between layers, the
connections that carry the most. Forward, the quantity on unit ``j`` of layer ``l`` is its
activation ``a^l_j`` and connection ``i → j`` carries ``a^{l-1}_i · W^l_{ji}`` (its share of
``z^l_j``). Backward, the quantity is ``δ^l_j = ∂L/∂z^l_j`` and the same connection carries
``W^l_{ji} · δ^l_j`` back to unit ``i`` (its share of ``(W^lᵀ δ^l)_i``).

In a convolutional network a conv or pooling layer's unit is a channel, whose strength is
the mean ``|a|`` of its map forward (the mean ``|δ|``, or ``|∂L/∂a|`` for pooling, backward),
and a flatten layer's units are the strongest entries of its vector. A conv connection
``c′ → c`` carries the mean over the output map of the part of ``z[c]`` that comes from input
channel ``c′`` (backward: the mean over the input map of the part of ``∂L/∂a[c′]`` that
``δ[c]`` sends back); pooling joins each channel to itself, and flatten each entry to the
channel it was read from.

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
        ``edges[l − 1]`` joins layer ``l − 1`` (pixels for ``l = 1``; a ConvNet's input
        channels) to layer ``l``.
    kinds : tuple of str
        Each layer's kind: ``dense``, or a ConvNet's ``conv``, ``pool`` (units are channels)
        and ``flatten`` (units are entries of its vector).
    """

    direction: str
    units: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]
    levels: tuple[tuple[float, float], ...]
    edges: tuple[Edges, ...]
    kinds: tuple[str, ...] = ()


def layer_quantity(trace: ForwardTrace, l: int, direction: str) -> np.ndarray:
    """What colours layer ``l``'s units for example 0: ``a`` (``p`` at the output) or ``δ``.

    A conv or pooling layer's units are its channels, (C,): the mean ``|a|`` of each map,
    backward the mean ``|δ|`` (pooling, which has no ``z``: of ``∂L/∂a``, what the layer
    above passed down). A flatten layer's are its vector's ``a``, backward ``∂L/∂a``.
    """
    rec = trace.layers[l - 1]
    if direction == "backward":  # δ, or what the layer above passed down (pool, flatten)
        delta = rec.delta if rec.kind in ("dense", "conv") else trace.layers[l].grad_in
        if delta is None:
            raise ValueError("a backward quantity needs a backward trace")
        if rec.kind == "dense":
            return delta[0]
        v = delta[0]
    elif rec.kind == "dense":
        return trace.probabilities[0] if l == len(trace.layers) else rec.a[0]
    else:
        v = rec.a[0]
    return v if rec.kind == "flatten" else np.abs(v.astype(np.float64)).mean(axis=(1, 2))


def _kernel_reach(rec, n_in: int, axis: int) -> np.ndarray:
    """(k, n_out) bools: whether offset ``u`` of output ``i`` reads a pixel inside the map
    along ``axis`` (1: rows, 2: columns) rather than the zero padding."""
    k, stride, top, left = rec.conv_geometry
    before = top if axis == 1 else left
    n_out = rec.shape[axis]
    pos = stride * np.arange(n_out)[None, :] + np.arange(k)[:, None] - before
    return (pos >= 0) & (pos < n_in)


def channel_contributions(rec, direction: str = "forward", example: int = 0) -> np.ndarray:
    """What each input channel ``c′`` gives each output channel ``c`` of a conv record.

    Forward, ``C[c, c′]`` is the mean over the output map of the part of ``z[c]`` that the
    kernel slice ``W[c, c′]`` takes from channel ``c′``, so ``Σ_c′ C[c, c′] + b[c]`` is the
    mean of ``z[c]``. Backward, ``C[c, c′]`` is the mean over the input map of the part of
    ``∂L/∂x[c′]`` that ``δ[c]`` sends back, so ``Σ_c C[c, c′]`` is the mean of ``∂L/∂x[c′]``.

    Returns
    -------
    ndarray of float64, shape (C_out, C_in)
    """
    W = rec.W.astype(np.float64)   # (C_out, C_in, k, k)
    _, h, w = rec.in_shape
    rows, cols = _kernel_reach(rec, h, 1), _kernel_reach(rec, w, 2)   # (k, Ho), (k, Wo)
    k, stride, top, left = rec.conv_geometry
    if direction == "backward":
        d = rec.delta[example].astype(np.float64)
        S = np.einsum("ui,vj,cij->cuv", rows, cols, d)   # δ[c] summed where (u, v) lands
        return np.einsum("cduv,cuv->cd", W, S) / (h * w)
    x = rec.x[example].astype(np.float64)
    ho, wo = rec.shape[1:]
    xp = np.pad(x, ((0, 0), (k, k), (k, k)))
    M = np.empty((x.shape[0], k, k))
    for u in range(k):   # the mean input under each kernel offset
        r0 = u - top + k
        for v in range(k):
            c0 = v - left + k
            M[:, u, v] = xp[:, r0:r0 + stride * (ho - 1) + 1:stride,
                            c0:c0 + stride * (wo - 1) + 1:stride].mean(axis=(1, 2))
    return np.einsum("cduv,duv->cd", W, M)


def _map_edges(trace, l: int, rec, rows, cols, direction: str, k: int) -> Edges:
    """Connections into a conv, pooling or flatten layer from the shown units below."""
    rows, cols = np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)
    if rec.kind == "conv":
        C = channel_contributions(rec, direction)[np.ix_(rows, cols)]
        return _top(C, rows, cols, k)
    if direction == "backward":
        g = rec.grad_in[0]   # what the layer passes down, in its input's shape
        carried = g.mean(axis=(1, 2)) if rec.kind == "pool" else \
            np.moveaxis(g, 0, 2).ravel()   # flatten: entry q came from channel q % C
    else:
        carried = rec.a[0].mean(axis=(1, 2)) if rec.kind == "pool" else rec.a[0]
    channel = rows if rec.kind == "pool" else rows % rec.in_shape[0]
    C = np.where(channel[:, None] == cols[None, :], carried[rows][:, None], 0.0)
    return _top(C, rows, cols, k)


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
    # Every pixel (a ConvNet's every input channel) may send an edge.
    shown_below = np.arange(trace.layers[0].x.shape[1])
    for l, rec in enumerate(trace.layers, 1):
        v = layer_quantity(trace, l, direction)
        rows = strongest_units(v, max_units, keep[1] if keep and keep[0] == l else None)
        if rec.kind != "dense":
            e = _map_edges(trace, l, rec, rows, shown_below, direction, max_edges)
        elif direction == "backward":
            assert rec.W is not None and rec.delta is not None  # a dense backward record
            e = strongest_backward_edges(rec.delta[0], rec.W, rows, shown_below, max_edges)
        else:
            assert rec.W is not None
            e = strongest_edges(rec.x[0], rec.W, rows, shown_below, max_edges)
        units.append(rows)
        values.append(v[rows])
        if direction == "forward" and l == len(trace.layers):
            levels.append((0.0, 1.0))  # probabilities: a sure answer is the brightest
        else:
            levels.append(value_levels(v, symmetric=direction == "backward"))
        edges.append(e)
        shown_below = rows
    return DiagramFrame(direction, tuple(units), tuple(values), tuple(levels), tuple(edges),
                        tuple(rec.kind for rec in trace.layers))
