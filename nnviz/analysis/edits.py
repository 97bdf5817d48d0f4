"""Editing single units of a network: shift a bias, scale incoming weights, switch a unit off.

An edit never touches the network it is applied to: :func:`apply_edits` returns an edited
copy, so the caller can compare the two and keep or drop the copy. Every edit is a plain
change of parameters, so the edited network is an ordinary :class:`MLP` (it trains, saves and
traces like any other) and its output is exactly what the edit says:

- ``bias_shift`` s: ``b^l_j ← b^l_j + s``, so ``z^l_j`` grows by s on every input;
- ``weight_scale`` k: ``W^l[j, :] ← k·W^l[j, :]``, so ``z^l_j = k·(W^l[j]·a^{l-1}) + b^l_j``;
- ``off`` for a hidden unit: ``W^{l+1}[:, j] ← 0``, so every layer above sees ``a^l_j = 0``
  (the unit itself still computes its z and a; nobody reads them). For an output unit there is
  no layer above: ``W^L[j, :] ← 0`` and ``b^L_j ← 0`` hold its logit at ``z^L_j = 0``, which
  softmax turns into a fixed ``e⁰ = 1`` against the other classes, not into probability 0.

In a convolutional network (:class:`~nnviz.engine.convnet.ConvNet`) layers are numbered by
their place in the stack, as its traces are, and a conv layer's unit is a channel ``c``: its
kernel ``W^l[c]`` (all ``C_in × k × k`` weights of the filter) is what ``weight_scale``
scales, ``b^l[c]`` is shifted, and ``off`` zeroes the weights of the next layer with
parameters that read channel ``c`` — through any pooling (which keeps channels apart): the
next convolution's ``W[:, c]`` input slices, or, after flatten, the dense columns of the
channel's positions, ``c, c + C, c + 2C, …`` in the engine's channels-last (NHWC) order.
Pooling and flatten layers have no units of their own to edit.

Several edits of the same unit compose: bias shifts add, weight scales multiply and ``off``
wins once any of them says so. The three operations commute (scaling a row leaves the bias
alone; zeroing a column commutes with scaling a row), so the order of the edits never matters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from nnviz.analysis.trace import ForwardTrace, forward_trace
from nnviz.engine.convnet import ConvNet, Network
from nnviz.engine.network import MLP


@dataclass(frozen=True)
class UnitEdit:
    """A change to unit ``unit`` (0-based) of layer ``layer`` (1 = first hidden layer).

    Attributes
    ----------
    layer : int
        Layer number ``l`` as in :meth:`MLP.parameters` (``W1`` is layer 1); for a ConvNet
        the layer's place in its stack (pooling and flatten count), as in its traces.
    unit : int
        Row ``j`` of ``W^l``; for a conv layer the channel ``c``.
    bias_shift : float
        Added to ``b^l_j``.
    weight_scale : float
        Multiplies the incoming weights ``W^l[j, :]``.
    off : bool
        The unit's output counts as 0 for every layer above (see the module docstring).
    """

    layer: int
    unit: int
    bias_shift: float = 0.0
    weight_scale: float = 1.0
    off: bool = False

    def __post_init__(self):
        if int(self.layer) != self.layer or self.layer < 1:
            raise ValueError(f"layer numbers start at 1 (W1 is layer 1), got layer={self.layer!r}")
        if int(self.unit) != self.unit or self.unit < 0:
            raise ValueError(f"unit indices start at 0, got unit={self.unit!r}")
        for name in ("bias_shift", "weight_scale"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number, got {getattr(self, name)!r}")
        # plain Python numbers, so that edits from spin boxes and from NumPy compare equal
        for name, kind in (("layer", int), ("unit", int), ("bias_shift", float),
                           ("weight_scale", float), ("off", bool)):
            object.__setattr__(self, name, kind(getattr(self, name)))

    @property
    def key(self) -> tuple[int, int]:
        """``(layer, unit)``: which unit this edit changes."""
        return (self.layer, self.unit)

    @property
    def is_noop(self) -> bool:
        """True when the edit changes nothing (no shift, scale 1, on)."""
        return self.bias_shift == 0.0 and self.weight_scale == 1.0 and not self.off


def _stack(net) -> list:
    """Every layer in order: a ConvNet's stack, an MLP's dense layers."""
    return net.stack if hasattr(net, "stack") else net.layers


def check_edit(net: Network, edit: UnitEdit) -> None:
    """Raise ``ValueError`` when ``edit`` names a layer or unit ``net`` does not have, or a
    pooling or flatten layer (which has no units of its own)."""
    if isinstance(net, MLP):
        n_layers = len(net.layers)
        if edit.layer > n_layers:
            raise ValueError(f"edit of layer {edit.layer}: this network has layers "
                             f"1–{n_layers} ({'-'.join(map(str, net.sizes))}; layer "
                             f"{n_layers} is the output)")
        n_units = net.sizes[edit.layer]
        if edit.unit >= n_units:
            raise ValueError(f"edit of {layer_word(edit.layer, n_layers)} unit {edit.unit}: "
                             f"that layer has units 0–{n_units - 1}")
        return
    n_layers = len(net.stack)
    if edit.layer > n_layers:
        raise ValueError(f"edit of layer {edit.layer}: this network has layers 1–{n_layers} "
                         f"({net.arch_text}; layer {n_layers} is the output)")
    spec = net.specs[edit.layer - 1]
    if spec.kind in ("pool", "flatten"):
        what = "a pooling" if spec.kind == "pool" else "a flatten"
        raise ValueError(f"edit of layer {edit.layer} ({spec.text}): {what} layer has no "
                         "weights or units of its own to edit; edit the channels of a conv "
                         "layer before it")
    word = "channel" if spec.kind == "conv" else "unit"
    if edit.unit >= spec.units:
        raise ValueError(f"edit of {layer_word(edit.layer, n_layers, spec.kind)} {word} "
                         f"{edit.unit}: that layer has {word}s 0–{spec.units - 1}")


def _readers(net, layer: int, unit: int):
    """``(W, index)`` such that ``W[index]`` are the weights reading unit ``unit`` (a channel
    for a conv layer) of ``layer``: the next parameter layer's, through pooling and flatten."""
    stack = _stack(net)
    flat_channels = None  # C of the map flatten read, once the unit's channel is spread out
    for L in stack[layer:]:
        kind = getattr(L, "kind", "dense")
        if kind == "flatten":
            flat_channels = L.in_shape[2]
        elif kind == "conv":
            return L.W, (slice(None), slice(None), slice(None), unit)  # (C_out, k, k, C_in)
        elif kind != "pool":
            return L.W, (slice(None), slice(unit, None, flat_channels) if flat_channels
                         else unit)
    raise AssertionError("the last layer has no readers")


def apply_edits(net: Network, edits: UnitEdit | Iterable[UnitEdit]) -> Network:
    """An edited copy of ``net``; ``net`` itself is left untouched.

    Parameters
    ----------
    net : MLP or ConvNet
    edits : UnitEdit or iterable of UnitEdit
        Checked against ``net`` first (``ValueError`` naming the bad edit); several edits of
        one unit compose as the module docstring says.

    Returns
    -------
    MLP or ConvNet
        ``net.copy()`` with the edits written into its parameters.
    """
    edits = (edits,) if isinstance(edits, UnitEdit) else tuple(edits)
    for edit in edits:
        if not isinstance(edit, UnitEdit):
            raise TypeError(f"apply_edits takes UnitEdit objects, got {type(edit).__name__}")
        check_edit(net, edit)
    twin = net.copy()
    stack = _stack(twin)
    last = len(stack)
    for edit in edits:
        layer = stack[edit.layer - 1]
        layer.b[edit.unit] += edit.bias_shift
        layer.W[edit.unit] *= edit.weight_scale  # a row, or a conv channel's whole kernel
    for edit in edits:  # after the shifts, so that "off" wins over them on an output unit
        if not edit.off:
            continue
        if edit.layer < last:
            W, index = _readers(twin, edit.layer, edit.unit)
            W[index] = 0
        else:
            stack[-1].W[edit.unit, :] = 0
            stack[-1].b[edit.unit] = 0
    return twin


def network_from_trace(trace: ForwardTrace) -> Network:
    """The network a trace was recorded from, rebuilt from the trace's ``W`` and ``b``
    (and, for a ConvNet, its layers' specs): an MLP or a ConvNet."""
    first = trace.layers[0]
    # (l, W, b) of every layer with parameters: all of an MLP's, a ConvNet's conv and dense.
    params = [(L.index, L.W, L.b) for L in trace.layers if L.W is not None and L.b is not None]
    dtype = params[0][1].dtype
    if first.spec is not None:
        c, h, w = first.in_shape
        specs = [L.spec for L in trace.layers if L.spec is not None]
        conv = ConvNet((h, w, c), specs, seed=None, dtype=dtype, initialize=False)
        conv.set_parameters({k: v for l, W, b in params for k, v in
                             ((f"W{l}", np.moveaxis(W, 1, 3) if W.ndim == 4 else W),
                              (f"b{l}", b))})
        return conv
    sizes = (params[0][1].shape[1],) + tuple(W.shape[0] for _, W, _ in params)
    net = MLP(sizes, [L.activation for L in trace.layers[:-1]], seed=None, dtype=dtype,
              initialize=False)
    net.set_parameters({k: v for l, W, b in params for k, v in ((f"W{l}", W), (f"b{l}", b))})
    return net


def trace_input(trace: ForwardTrace):
    """The inputs a trace was recorded for, as the network takes them: (m, n_in) rows (a
    ConvNet's (m, C, H, W) maps back in their channels-last order)."""
    x = trace.layers[0].x
    return np.moveaxis(x, 1, 3).reshape(len(x), -1) if x.ndim == 4 else x


def edited_trace(trace: ForwardTrace, edits: UnitEdit | Iterable[UnitEdit]) -> ForwardTrace:
    """The forward trace of the same inputs through the traced network with ``edits`` applied."""
    return forward_trace(apply_edits(network_from_trace(trace), edits), trace_input(trace))


def with_edit(edits: Iterable[UnitEdit], edit: UnitEdit) -> tuple[UnitEdit, ...]:
    """``edits`` with every edit of ``edit``'s unit replaced by ``edit`` (dropped if a no-op).

    The edit keeps the place of the unit's first edit; a new unit goes last.
    """
    out, placed = [], False
    for old in edits:
        if old.key != edit.key:
            out.append(old)
        elif not placed:
            placed = True
            if not edit.is_noop:
                out.append(edit)
    if not placed and not edit.is_noop:
        out.append(edit)
    return tuple(out)


def layer_word(layer: int, n_layers: int | None = None, kind: str = "dense") -> str:
    """``"hidden 2"``, ``"conv 1"`` for a conv layer (``kind``, a trace record's), or, for
    the last of ``n_layers`` layers, ``"output"``."""
    if layer == n_layers:
        return "output"
    return f"conv {layer}" if kind == "conv" else f"hidden {layer}"


def unit_word(kind: str = "dense") -> str:
    """What one of a layer's units is called: ``channel`` in a conv layer, else ``unit``."""
    return "channel" if kind == "conv" else "unit"


def _decimal(v: float) -> str:
    """``0.0``, ``1.5``, ``0.25``: at least one decimal, at most three, no trailing zeros."""
    text = f"{v:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def describe(edit: UnitEdit, n_layers: int | None = None, kind: str = "dense") -> str:
    """One line for a list of edits: ``"hidden 1 unit 37: bias +0.50, weights ×0.0, off"``,
    ``"conv 1 channel 2: weights ×0.5"``.

    Parameters
    ----------
    edit : UnitEdit
    n_layers : int, optional
        The network's number of layers, so that an edit of the last one reads "output".
    kind : str
        The edited layer's kind (``conv`` or ``dense``, as its trace record says).
    """
    parts = []
    if edit.bias_shift:
        parts.append(f"bias {edit.bias_shift:+.2f}")
    if edit.weight_scale != 1.0:
        parts.append(f"weights ×{_decimal(edit.weight_scale)}")
    if edit.off:
        parts.append("off")
    return (f"{layer_word(edit.layer, n_layers, kind)} {unit_word(kind)} {edit.unit}: "
            f"{', '.join(parts) or 'no change'}")
