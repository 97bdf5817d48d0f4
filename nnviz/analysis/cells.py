"""One layer cell by cell: which units and inputs to show, and the arithmetic of each cell.

A layer computes ``z = W·x + b`` and ``a = f(z)``. The cell view draws one example's ``x``,
a block of ``W`` (or of ``W ⊙ x``), and ``b``, ``z``, ``a`` under the units. Wide layers do
not fit cell by cell, so a :class:`LayerCells` holds a selection: by default the units that
fire hardest and the inputs that move those units most. The sums are split into the shown
inputs and the rest, so every ``z`` still adds up exactly.

A convolutional network's conv, pooling and flatten layers are shown channel by channel
instead (:class:`MapCells`): each cell is one channel's H×W map, and the arithmetic of one
pixel is that of its k×k×C_in patch (:meth:`MapCells.pixel_sum`), its pooling block
(:meth:`MapCells.block`) or its place in the flattened vector (:attr:`MapCells.positions`).

Pure NumPy; the view only indexes these records and prints their texts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.analysis.notation import F_NAMES, maps_text, number, shape_text, sub, sup
from nnviz.analysis.stepper import z_equation
from nnviz.engine.snapshot import frozen

MAX_UNITS = 24
MAX_INPUTS = 40
MAX_MAPS = 16   # channels of a conv or pooling layer shown as maps

def default_input_names(layer: int, n_in: int, map_shape=None) -> list[str]:
    """Labels of a layer's inputs: pixels ``406 (14,14)`` for a square first layer, else
    ``a¹₁₇`` (the activation of unit 17 of the layer below) or ``x₁₇``.

    ``map_shape`` (C, H, W), for a dense layer after flatten, adds where each input was in
    the maps: ``a³₁₇ [2, 1, 1]`` is channel 2, row 1, column 1 (channels last, NHWC).
    """
    if map_shape is not None and layer > 1:
        c, _, w = map_shape
        return [f"a{sup(layer - 1)}{sub(i)} [{i % c}, {i // c // w}, {i // c % w}]"
                for i in range(n_in)]
    side = math.isqrt(n_in)
    if layer == 1 and side * side == n_in:
        return [f"{i} ({i // side},{i % side})" for i in range(n_in)]
    if layer > 1:
        return [f"a{sup(layer - 1)}{sub(i)}" for i in range(n_in)]
    return [f"x{sub(i)}" for i in range(n_in)]


def choose_units(z: np.ndarray, a: np.ndarray, max_units: int = MAX_UNITS) -> np.ndarray:
    """The ``max_units`` units with the largest ``|a|`` (ties: larger ``z``), sorted.

    Parameters
    ----------
    z, a : ndarray, shape (n_out,)

    Returns
    -------
    ndarray of int, shape (min(max_units, n_out),), ascending
    """
    order = np.lexsort((-np.asarray(z, np.float64), -np.abs(np.asarray(a, np.float64))))
    return np.sort(order[:max_units])


def choose_inputs(W: np.ndarray, x: np.ndarray, units: np.ndarray,
                  max_inputs: int = MAX_INPUTS) -> np.ndarray:
    """The ``max_inputs`` inputs with the largest ``Σ_{j ∈ units} |W_ji·x_i|``, sorted.

    For the first layer only inked pixels score above zero. Ties (e.g. blank pixels) go to
    the inputs with the larger ``Σ_j |W_ji|``, then to the lower index.

    Parameters
    ----------
    W : ndarray, shape (n_out, n_in)
    x : ndarray, shape (n_in,)
    units : ndarray of int, shape (k,)

    Returns
    -------
    ndarray of int, shape (min(max_inputs, n_in),), ascending
    """
    Wk = np.abs(W[units].astype(np.float64))
    score = np.abs(x.astype(np.float64)) * Wk.sum(axis=0)
    order = np.lexsort((-Wk.sum(axis=0), -score))
    return np.sort(order[:max_inputs])


def _indices(given, n: int, what: str) -> np.ndarray:
    idx = np.unique(np.asarray(given, dtype=np.intp).ravel())
    if idx.size == 0 or idx[0] < 0 or idx[-1] >= n:
        raise ValueError(f"{what} must be a non-empty set of indices in [0, {n}), got {given!r}")
    return idx


@dataclass(frozen=True)
class Term:
    """One matrix cell: ``W[j, i]·x[i] = w × x = p`` (``p`` exact in float64)."""

    layer: int
    unit: int
    input: int
    w: float
    x: float
    p: float

    def text(self) -> str:
        return (f"W{sup(self.layer)}[{self.unit}, {self.input}] · x[{self.input}] = "
                f"{number(self.w)} × {number(self.x)} = {number(self.p)}")


@dataclass(frozen=True)
class UnitSum:
    """``z_j = Σ_shown W·x + Σ_rest W·x + b_j`` and ``a_j = f(z_j)`` for one unit.

    ``shown`` and ``rest`` are float64 sums of the float32 products; ``z`` and ``a`` are the
    trace's own float32 values, which ``total`` matches up to float32 rounding.
    """

    layer: int
    unit: int
    n_shown: int
    n_rest: int
    shown: float
    rest: float
    b: float
    z: float
    a: float
    activation: str

    @property
    def total(self) -> float:
        return self.shown + self.rest + self.b

    def text(self) -> str:
        l, j = sup(self.layer), sub(self.unit)
        if self.n_rest:
            parts = (f"Σ {self.n_shown} shown {number(self.shown)} + "
                     f"Σ {self.n_rest} others {number(self.rest)}")
        else:
            parts = f"Σ {self.n_shown} inputs {number(self.shown)}"
        z = f"z{l}{j} = {parts} + b {number(self.b)} = {number(self.z)}"
        if self.activation == "identity":
            return f"{z},  a = z = {number(self.a)} (a logit)"
        f = F_NAMES.get(self.activation, self.activation)
        return f"{z},  a = {f}({number(self.z)}) = {number(self.a)}"


@dataclass(frozen=True)
class InputTerms:
    """What input ``i`` adds to the shown units: ``p_j = W[j, i]·x[i]`` for each of them."""

    layer: int
    input: int
    x: float
    n_units: int
    units: np.ndarray
    p: np.ndarray

    def text(self) -> str:
        l = sup(self.layer)
        head = f"x[{self.input}] = {number(self.x)} enters all {self.n_units} units of z{l}"
        if self.x == 0:
            return f"{head}, but adds 0 to each: W{l}[j, {self.input}] · 0 = 0"
        lo, hi = int(np.argmin(self.p)), int(np.argmax(self.p))
        return (f"{head}: W{l}[j, {self.input}] · x[{self.input}] over the {len(self.p)} shown "
                f"sums to {number(self.p.sum())}, from {number(self.p[lo])} (unit "
                f"{self.units[lo]}) to {number(self.p[hi])} (unit {self.units[hi]})")


@dataclass(frozen=True)
class LayerCells:
    """One example through one layer, restricted to the shown units and inputs.

    Attributes
    ----------
    layer : int
        Layer number ``l`` (from 1).
    activation : str
    n_out, n_in : int
        The layer's full size.
    units : ndarray of int (k,)
        Shown units ``j``, ascending (the columns).
    inputs : ndarray of int (r,)
        Shown inputs ``i``, ascending (the rows).
    W : ndarray (k, r)
        ``W[units][:, inputs]``.
    product : ndarray of float64 (k, r)
        ``W ⊙ x`` on the shown cells (exact: a float32 product fits in float64).
    x : ndarray (r,)
    b, z, a : ndarray (k,)
        Bias, pre-activation and activation of the shown units (the trace's values).
    shown, rest : ndarray of float64 (k,)
        ``Σ_{i shown} W_ji·x_i`` and ``Σ_{i not shown} W_ji·x_i``.
    """

    layer: int
    activation: str
    n_out: int
    n_in: int
    units: np.ndarray
    inputs: np.ndarray
    W: np.ndarray
    product: np.ndarray
    x: np.ndarray
    b: np.ndarray
    z: np.ndarray
    a: np.ndarray
    shown: np.ndarray
    rest: np.ndarray

    def unit_pos(self, j: int) -> int:
        """Column of unit ``j``; ValueError if it is not shown."""
        return _position(self.units, j, "unit")

    def input_pos(self, i: int) -> int:
        """Row of input ``i``; ValueError if it is not shown."""
        return _position(self.inputs, i, "input")

    def term(self, j: int, i: int) -> Term:
        c, r = self.unit_pos(j), self.input_pos(i)
        return Term(self.layer, int(j), int(i), float(self.W[c, r]), float(self.x[r]),
                    float(self.product[c, r]))

    def unit_sum(self, j: int) -> UnitSum:
        c = self.unit_pos(j)
        return UnitSum(self.layer, int(j), len(self.inputs), self.n_in - len(self.inputs),
                       float(self.shown[c]), float(self.rest[c]), float(self.b[c]),
                       float(self.z[c]), float(self.a[c]), self.activation)

    def input_terms(self, i: int) -> InputTerms:
        r = self.input_pos(i)
        return InputTerms(self.layer, int(i), float(self.x[r]), self.n_out, self.units,
                          frozen(self.product[:, r]))


def _position(shown: np.ndarray, index: int, what: str) -> int:
    pos = int(np.searchsorted(shown, index))
    if pos >= len(shown) or shown[pos] != index:
        raise ValueError(f"{what} {index} is not among the shown {what}s")
    return pos


def layer_cells(record, example: int = 0, units=None, inputs=None,
                max_units: int = MAX_UNITS, max_inputs: int = MAX_INPUTS
                ) -> LayerCells | MapCells:
    """The cells of ``record`` (a :class:`~nnviz.analysis.trace.LayerTrace`) for one example.

    Parameters
    ----------
    record : LayerTrace
        ``W`` (n_out, n_in), ``b`` (n_out,), ``x`` (m, n_in), ``z`` and ``a`` (m, n_out).
    example : int
        Row of the batch to show.
    units, inputs : sequence of int, optional
        What to show (sorted, duplicates dropped); None chooses with :func:`choose_units`
        and :func:`choose_inputs`.

    Returns
    -------
    LayerCells, or MapCells for a conv, pooling or flatten record (``units`` are then its
    channels, ``inputs`` is not used; at most ``MAX_MAPS`` of them by default).
    """
    if record.kind != "dense":
        return map_cells(record, example, units)
    W, b = record.W, record.b
    x, z, a = record.x[example], record.z[example], record.a[example]
    n_out, n_in = W.shape
    units = (choose_units(z, a, max_units) if units is None
             else _indices(units, n_out, "units"))
    inputs = (choose_inputs(W, x, units, max_inputs) if inputs is None
              else _indices(inputs, n_in, "inputs"))
    p_all = W[units].astype(np.float64) * x.astype(np.float64)   # (k, n_in), exact products
    mask = np.zeros(n_in, dtype=bool)
    mask[inputs] = True
    shown = p_all[:, mask].sum(axis=1)
    rest = p_all[:, ~mask].sum(axis=1)
    return LayerCells(
        layer=int(record.position or record.index), activation=str(record.activation),
        n_out=n_out, n_in=n_in,
        units=frozen(units), inputs=frozen(inputs), W=frozen(W[np.ix_(units, inputs)]),
        product=frozen(p_all[:, inputs]), x=frozen(x[inputs]), b=frozen(b[units]),
        z=frozen(z[units]), a=frozen(a[units]), shown=frozen(shown), rest=frozen(rest))


def title_text(cells: LayerCells) -> str:
    """``Layer 2: z² = W²·a¹ + b²   (128×256)·(256×1) + (128×1) — showing 24 of 128 …``;
    for maps ``Layer 1: z¹ = W¹ ∗ x + b¹   … — 8 maps of 28×28 from 1 map of 28×28``."""
    if isinstance(cells, MapCells):
        return cells.title
    k, r = len(cells.units), len(cells.inputs)
    text = f"Layer {cells.layer}: {z_equation(cells.layer, cells.n_out, cells.n_in)}"
    if k == cells.n_out and r == cells.n_in:
        return f"{text} — all {k} units and {r} inputs"
    return f"{text} — showing {k} of {cells.n_out} units and {r} of {cells.n_in} inputs"


# -- conv, pooling and flatten layers: one cell per channel ---------------------------------------

def choose_channels(a: np.ndarray, max_maps: int = MAX_MAPS) -> np.ndarray:
    """The ``max_maps`` channels of ``a`` (C, H, W) with the largest mean ``|a|``, sorted.

    Ties go to the lower channel. Returns ndarray of int, shape (min(max_maps, C),).
    """
    strength = np.abs(np.asarray(a, np.float64)).mean(axis=(1, 2))
    order = np.lexsort((np.arange(len(strength)), -strength))
    return np.sort(order[:max_maps])


@dataclass(frozen=True)
class PixelSum:
    """``z[c, i, j] = Σ W[c] ⊙ patch + b[c]`` for one output pixel of a convolution.

    ``W``, ``x`` and ``product`` are (C_in, k, k): the kernel, the input patch under it (0
    where it hangs over the map's edge, 'same' padding) and their float64 products; ``z``
    and ``a`` are the trace's float32 (or float64) values, which ``total`` matches up to
    rounding.
    """

    layer: int
    channel: int
    row: int
    col: int
    W: np.ndarray
    x: np.ndarray
    product: np.ndarray
    b: float
    z: float
    a: float
    activation: str

    @property
    def total(self) -> float:
        return float(self.product.sum()) + self.b

    def text(self) -> str:
        l = sup(self.layer)
        where = f"[{self.channel}, {self.row}, {self.col}]"
        z = (f"z{l}{where} = Σ {self.product.size} products {number(self.product.sum())} + "
             f"b {number(self.b)} = {number(self.z)}")
        return f"{z},  a = {F_NAMES.get(self.activation, self.activation)}({number(self.z)}) " \
               f"= {number(self.a)}"


@dataclass(frozen=True)
class BlockCell:
    """One output pixel of pooling: its ``p×p`` input block and what it took from it.

    ``values`` (p, p) is the block of the input map; ``picked`` the (u, v) of its maximum
    (max pooling; the first one in a tie), None for average pooling.
    """

    layer: int
    channel: int
    row: int
    col: int
    values: np.ndarray
    mode: str
    picked: tuple[int, int] | None
    a: float

    def text(self) -> str:
        p = len(self.values)
        r0, c0 = self.row * p, self.col * p
        block = f"a{sup(self.layer - 1)}" if self.layer > 1 else "x"
        head = (f"a{sup(self.layer)}[{self.channel}, {self.row}, {self.col}] = "
                f"{'max' if self.mode == 'max' else 'mean'} of {block}[{self.channel}, "
                f"{r0}:{r0 + p}, {c0}:{c0 + p}] = {number(self.a)}")
        if self.picked is None:
            return head
        return f"{head} (at row {r0 + self.picked[0]}, column {c0 + self.picked[1]})"


@dataclass(frozen=True)
class MapCells:
    """One example through a conv, pooling or flatten layer, one cell per channel.

    Attributes
    ----------
    layer : int
        The layer's place ``l`` in the network (from 1).
    kind : str
        ``conv``, ``pool`` or ``flatten``.
    activation : str
        ``f`` of a conv layer; the layer's text (``pool2``, ``flatten``) otherwise.
    shape : (C, H, W)
        Of the layer's output maps; for flatten, of the maps it flattens.
    in_shape : (C_in, H_in, W_in)
        Of its input.
    channels : ndarray of int (k,)
        Shown channels, ascending: the cells.
    maps : ndarray (k, H, W)
        Their ``a`` (for flatten: the maps it reads, whose values ``a`` holds as a vector).
    z : ndarray (k, H, W) or None
        A conv layer's pre-activation.
    x : ndarray (C_in, H_in, W_in)
        The layer's whole input for this example.
    kernels : ndarray (k, C_in, kh, kw) or None
        A conv layer's ``W[channels]``.
    b : ndarray (k,) or None
    argmax : ndarray of int (k, Ho, Wo) or None
        Max pooling: flat index ``r·W_in + c`` into the input map of each maximum.
    positions : ndarray of int (k, H, W) or None
        Flatten: where each pixel lands in the vector, ``(i·W + j)·C + c`` (NHWC).
    strength : ndarray (k,)
        Mean ``|a|`` of each shown map (what chose them).
    geometry : (k, stride, top, left) or None
        A conv layer's kernel size, stride and padding before the first row and column.
    pool : (p, mode) or None
        A pooling layer's block size and ``max`` or ``avg``.
    """

    layer: int
    kind: str
    activation: str
    shape: tuple[int, int, int]
    in_shape: tuple[int, int, int]
    channels: np.ndarray
    maps: np.ndarray
    z: np.ndarray | None
    x: np.ndarray
    kernels: np.ndarray | None
    b: np.ndarray | None
    argmax: np.ndarray | None
    positions: np.ndarray | None
    strength: np.ndarray
    geometry: tuple[int, int, int, int] | None
    pool: tuple[int, str] | None = None

    @property
    def n_channels(self) -> int:
        return self.shape[0]

    @property
    def shape_text(self) -> str:
        """``8 maps of 28×28``: what the layer holds."""
        return maps_text(*self.shape)

    def name(self, c: int) -> str:
        """``map 3 · 28×28`` for channel ``c``."""
        return f"map {int(c)} · {self.shape[1]}×{self.shape[2]}"

    @property
    def names(self) -> list[str]:
        return [self.name(c) for c in self.channels]

    @property
    def title(self) -> str:
        """``Layer 1: z¹ = W¹ ∗ x + b¹   (8×1×5×5) ∗ … — 8 maps of 28×28 from 1 map …``."""
        l, out, inp = self.layer, maps_text(*self.shape), maps_text(*self.in_shape)
        if self.kind == "conv" and self.kernels is not None:
            s, xin = sup(l), "x" if l == 1 else f"a{sup(l - 1)}"
            kshape = (self.shape[0], *self.kernels.shape[1:])
            head = (f"Layer {l}: z{s} = W{s} ∗ {xin} + b{s}   {shape_text(*kshape)} ∗ "
                    f"{shape_text(*self.in_shape)} + {shape_text(self.shape[0])} — {out} "
                    f"from {inp}")
        elif self.kind == "pool" and self.pool is not None:
            p, mode = self.pool
            head = f"Layer {l}: {p}×{p} {mode} pooling — {inp} → {out}"
        else:
            n = int(np.prod(self.shape))
            head = f"Layer {l}: flatten — {out} → {n} values, channels last"
        k = len(self.channels)
        return head + (f" — showing {k} of {self.n_channels} maps" if k < self.n_channels
                       else "")

    def channel_pos(self, c: int) -> int:
        """Index of channel ``c`` among the shown ones; ValueError if it is not shown."""
        return _position(self.channels, c, "channel")

    def pixel_sum(self, c: int, i: int, j: int) -> PixelSum:
        """The sum behind ``z[c, i, j]`` of a conv layer: kernel ⊙ patch + bias."""
        if (self.kind != "conv" or self.geometry is None or self.kernels is None
                or self.b is None or self.z is None):
            raise ValueError(f"a {self.kind} layer has no kernels: pixel_sum is for conv layers")
        pos = self.channel_pos(c)
        k, stride, top, left = self.geometry
        rows, cols = stride * i - top + np.arange(k), stride * j - left + np.arange(k)
        inside = (((rows >= 0) & (rows < self.in_shape[1]))[:, None]
                  & ((cols >= 0) & (cols < self.in_shape[2]))[None, :])
        values = self.x[:, np.clip(rows, 0, self.in_shape[1] - 1)][
            :, :, np.clip(cols, 0, self.in_shape[2] - 1)]
        patch = np.where(inside, values, 0).astype(self.x.dtype)   # 0 in the padding
        W = self.kernels[pos]
        product = W.astype(np.float64) * patch.astype(np.float64)
        return PixelSum(self.layer, int(c), int(i), int(j), W, frozen(patch), frozen(product),
                        float(self.b[pos]), float(self.z[pos, i, j]),
                        float(self.maps[pos, i, j]), self.activation)

    def block(self, c: int, i: int, j: int) -> BlockCell:
        """Output pixel ``(i, j)`` of channel ``c`` of a pooling layer and its input block."""
        if self.kind != "pool" or self.pool is None:
            raise ValueError(f"a {self.kind} layer does not pool: block is for pooling layers")
        pos = self.channel_pos(c)
        p, mode = self.pool
        values = self.x[c, i * p:(i + 1) * p, j * p:(j + 1) * p]
        picked = None
        if mode == "max" and self.argmax is not None:
            r, q = divmod(int(self.argmax[pos, i, j]), self.in_shape[2])
            picked = (r - i * p, q - j * p)
        return BlockCell(self.layer, int(c), int(i), int(j), frozen(values), mode, picked,
                         float(self.maps[pos, i, j]))


def _chw_shape(a: np.ndarray) -> tuple[int, int, int]:
    c, h, w = (int(n) for n in a.shape)
    return c, h, w


def map_cells(record, example: int = 0, channels=None, max_maps: int = MAX_MAPS) -> MapCells:
    """The channels of a conv, pooling or flatten ``record`` for one example.

    Parameters
    ----------
    record : LayerTrace
        Of a ConvNet: maps (m, C, H, W), a conv's ``W`` (C_out, C_in, k, k).
    example : int
    channels : sequence of int, optional
        What to show (sorted, duplicates dropped); None: the ``max_maps`` strongest
        (:func:`choose_channels`).
    """
    x = record.x[example]
    maps = x if record.kind == "flatten" else record.a[example]
    c_all = maps.shape[0]
    channels = (choose_channels(maps, max_maps) if channels is None
                else _indices(channels, c_all, "channels"))
    shown = maps[channels]
    conv, pool = record.kind == "conv", record.kind == "pool"
    positions = None
    if record.kind == "flatten":
        c, h, w = maps.shape
        grid = (np.arange(h)[:, None] * w + np.arange(w)[None, :]) * c
        positions = frozen(grid[None] + channels[:, None, None])
    return MapCells(
        layer=int(record.position), kind=record.kind, activation=str(record.activation),
        shape=_chw_shape(maps), in_shape=_chw_shape(x),
        channels=frozen(channels), maps=frozen(shown),
        z=frozen(record.z[example][channels]) if conv else None, x=frozen(x),
        kernels=frozen(record.W[channels]) if conv else None,
        b=frozen(record.b[channels]) if conv else None,
        argmax=frozen(record.argmax[example][channels])
        if pool and record.argmax is not None else None,
        positions=positions,
        strength=frozen(np.abs(shown.astype(np.float64)).mean(axis=(1, 2))),
        geometry=record.conv_geometry if conv else None,
        pool=(record.spec.size, record.spec.mode) if pool else None)
