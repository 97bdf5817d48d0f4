"""One layer cell by cell: which units and inputs to show, and the arithmetic of each cell.

A layer computes ``z = W·x + b`` and ``a = f(z)``. The cell view draws one example's ``x``,
a block of ``W`` (or of ``W ⊙ x``), and ``b``, ``z``, ``a`` under the units. Wide layers do
not fit cell by cell, so a :class:`LayerCells` holds a selection: by default the units that
fire hardest and the inputs that move those units most. The sums are split into the shown
inputs and the rest, so every ``z`` still adds up exactly.

Pure NumPy; the view only indexes these records and prints their texts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.analysis.notation import F_NAMES, number, sub, sup
from nnviz.analysis.stepper import z_equation
from nnviz.engine.snapshot import frozen

MAX_UNITS = 24
MAX_INPUTS = 40

def default_input_names(layer: int, n_in: int) -> list[str]:
    """Labels of a layer's inputs: pixels ``406 (14,14)`` for a square first layer, else
    ``a¹₁₇`` (the activation of unit 17 of the layer below) or ``x₁₇``."""
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
        return f"{z},  a = {F_NAMES.get(self.activation, self.activation)}({number(self.z)}) = {number(self.a)}"


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
                max_units: int = MAX_UNITS, max_inputs: int = MAX_INPUTS) -> LayerCells:
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
    """
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
        layer=int(record.index), activation=str(record.activation), n_out=n_out, n_in=n_in,
        units=frozen(units), inputs=frozen(inputs), W=frozen(W[np.ix_(units, inputs)]),
        product=frozen(p_all[:, inputs]), x=frozen(x[inputs]), b=frozen(b[units]),
        z=frozen(z[units]), a=frozen(a[units]), shown=frozen(shown), rest=frozen(rest))


def title_text(cells: LayerCells) -> str:
    """``Layer 2: z² = W²·a¹ + b²   (128×256)·(256×1) + (128×1) — showing 24 of 128 …``."""
    k, r = len(cells.units), len(cells.inputs)
    text = f"Layer {cells.layer}: {z_equation(cells.layer, cells.n_out, cells.n_in)}"
    if k == cells.n_out and r == cells.n_in:
        return f"{text} — all {k} units and {r} inputs"
    return f"{text} — showing {k} of {cells.n_out} units and {r} of {cells.n_in} inputs"
