"""The forward and backward pass of one example as a sequence of steps to walk through.

A :class:`Step` is one thing the stepper view shows: a title, the equation with the real
shapes (``z¹ = W¹·x + b¹   (256×784)·(784×1) + (256×1)``) and the named arrays it produced.
A convolutional network's steps spell out each convolution (``z¹ = W¹ ∗ x + b¹`` and its
sum per pixel), pooling (max or mean over each block; backward, the gradient to each
block's maximum or spread over it) and flatten (the NHWC reshape, and back).
Every array is taken from a :class:`~nnviz.analysis.trace.BackwardTrace`, never recomputed, so
what the view shows is what the engine computed. :class:`Stepper` is the cursor over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnviz.analysis.notation import maps_text, shape_text, sup
from nnviz.analysis.trace import BackwardTrace, backward_trace
from nnviz.engine.conv import conv_geometry
from nnviz.engine.convnet import Network
from nnviz.engine.snapshot import frozen


@dataclass(frozen=True)
class Step:
    """One stop of the walk-through.

    Attributes
    ----------
    kind : str
        ``input``, ``forward``, ``softmax``, ``loss``, ``backward`` or ``input_grad``.
    layer : int
        The diagram column this step lights up: 0 for the input, ``l`` for layer ``l``.
    direction : str
        ``forward`` or ``backward``: which way the diagram shows the flow.
    title : str
    equations : tuple of str
        One line per equation, each followed by its shapes.
    arrays : dict of str to ndarray
        What the step produced, by the name shown (``z²``, ``a²``, ``δ³``, ``dW³``, …):
        vectors (n,) for one example, matrices (n_out, n_in) for ``dW``, (28·28,) for an
        MLP's images. A ConvNet's keep their shapes: maps (C, H, W) (its ``x`` and ``∂L/∂x``
        too), kernels ``dWˡ`` (C_out, C_in, k, k), ``∂L/∂aˡ`` the gradient at a layer's
        output, ``argmaxˡ`` (C, Ho, Wo) max pooling's flat indices into its input map.
    """

    kind: str
    layer: int
    direction: str
    title: str
    equations: tuple[str, ...]
    arrays: dict = field(default_factory=dict)


def _input_name(l: int) -> str:
    return "x" if l == 1 else f"a{sup(l - 1)}"


def _grad_name(l: int) -> str:
    """``∂L/∂a²`` for the output of layer ``l``, ``∂L/∂x`` for ``l = 0``."""
    return "∂L/∂x" if l == 0 else f"∂L/∂a{sup(l)}"


def z_equation(l: int, n_out: int, n_in: int) -> str:
    """``z² = W²·a¹ + b²   (128×256)·(256×1) + (128×1)``: layer ``l``'s sum with its shapes."""
    s = sup(l)
    return (f"z{s} = W{s}·{_input_name(l)} + b{s}   {shape_text(n_out, n_in)}·"
            f"{shape_text(n_in, 1)} + {shape_text(n_out, 1)}")


def conv_z_equation(l: int, rec) -> str:
    """``z¹ = W¹ ∗ x + b¹   (8×1×5×5) ∗ (1×28×28) + (8)``: a convolution with its shapes."""
    s = sup(l)
    return (f"z{s} = W{s} ∗ {_input_name(l)} + b{s}   {shape_text(*rec.W.shape)} ∗ "
            f"{shape_text(*rec.in_shape)} + {shape_text(rec.W.shape[0])}")


def _offset(axis: str, stride: int, before: int, kernel_axis: str) -> str:
    """``2i + u − 1``: the input row (or column) that offset ``u`` of output ``i`` reads."""
    text = (f"{stride}{axis}" if stride != 1 else axis) + f" + {kernel_axis}"
    return text + (f" − {before}" if before else "")


def conv_reads(rec, name: str) -> str:
    """``x[c′, i + u − 1, j + v − 1]``: the input pixel kernel entry ``(c′, u, v)`` meets at
    output pixel ``(i, j)`` of the conv record ``rec``."""
    _, stride, top, left = rec.conv_geometry
    return f"{name}[c′, {_offset('i', stride, top, 'u')}, {_offset('j', stride, left, 'v')}]"


def _conv_range(rec) -> str:
    k, stride = rec.W.shape[-1], rec.spec.stride
    padded = any(conv_geometry(n, k, stride, rec.spec.padding)[1:] != (0, 0)
                 for n in rec.in_shape[1:])
    pad = "; 0 outside the map ('same' padding)" if padded else ""
    return f"sum over c′ < {rec.in_shape[0]} and u, v < {k}{pad}"


def _map_forward_step(l: int, rec) -> Step:
    """The forward step of a conv, pooling or flatten layer: arrays keep their map shapes."""
    s, xin = sup(l), _input_name(l)
    if rec.kind == "conv":
        k, stride, _, _ = rec.conv_geometry
        eqs: tuple[str, ...] = (f"{conv_z_equation(l, rec)} → {shape_text(*rec.shape)}",
               f"z{s}[c, i, j] = Σ W{s}[c, c′, u, v]·{conv_reads(rec, xin)} + b{s}[c]   "
               f"{_conv_range(rec)}",
               f"a{s} = {rec.activation}(z{s})   {shape_text(*rec.shape)}")
        title = (f"Layer {l}: {k}×{k} convolution, stride {stride}, {rec.spec.padding} "
                 f"padding → {maps_text(*rec.shape)} ({rec.activation})")
        return Step("forward", l, "forward", title, eqs, {f"z{s}": rec.z[0], f"a{s}": rec.a[0]})
    if rec.kind == "pool":
        p, mode = rec.spec.size, rec.spec.mode
        block = f"{xin}[c, {p}i + u, {p}j + v]"
        first = (f"a{s} = {'max' if mode == 'max' else 'mean'} over each {p}×{p} block of {xin}"
                 f"   {shape_text(*rec.in_shape)} → {shape_text(*rec.shape)}")
        if mode == "max":
            eqs = (first, f"a{s}[c, i, j] = max {block}   over u, v < {p}; where each maximum "
                          "is kept for the backward pass")
            arrays = {f"a{s}": rec.a[0], f"argmax{s}": rec.argmax[0]}
        else:
            eqs = (first, f"a{s}[c, i, j] = Σ {block} / {p * p}   sum over u, v < {p}")
            arrays = {f"a{s}": rec.a[0]}
        title = f"Layer {l}: {p}×{p} {mode} pooling → {maps_text(*rec.shape)}"
        return Step("forward", l, "forward", title, eqs, arrays)
    c, h, w = rec.in_shape
    n = rec.shape[0]
    eqs = (f"a{s} = flatten({xin})   {shape_text(c, h, w)} → {shape_text(n, 1)}",
           f"a{s}[(i·{w} + j)·{c} + c] = {xin}[c, i, j]   channels last, as the engine "
           "stores maps (NHWC)")
    return Step("forward", l, "forward", f"Layer {l}: flatten {maps_text(c, h, w)} → {n} "
                "values", eqs, {f"a{s}": rec.a[0]})


def forward_steps(trace: BackwardTrace) -> list[Step]:
    """Input, then one step per layer (``z`` then ``a = f(z)``), then the softmax.

    Layers are numbered by their place in the stack, ``l = 1 … L``: for a ConvNet the
    superscripts count pooling and flatten layers too (``a²`` is the output of layer 2),
    so they are not the ``W1, W2, …`` of its parameters. A convolution, pooling or flatten
    step keeps its arrays in their shapes: maps (C, H, W), kernels (C_out, C_in, k, k).
    """
    layers = trace.layers
    x = layers[0].x[0]
    if x.ndim == 3:
        title = f"Input x: {maps_text(*x.shape)} pixel values in [0, 1]"
    else:
        title = f"Input x: {x.size} pixel values in [0, 1]"
    shape = shape_text(*x.shape) if x.ndim == 3 else shape_text(x.size, 1)
    steps = [Step("input", 0, "forward", title, (f"x   {shape}",), {"x": x})]
    for l, rec in enumerate(layers, 1):
        if rec.kind != "dense":
            steps.append(_map_forward_step(l, rec))
            continue
        assert rec.W is not None  # a dense layer's record
        n_out, n_in = rec.W.shape
        s = sup(l)
        eqs = [f"{z_equation(l, n_out, n_in)} → {shape_text(n_out, 1)}"]
        arrays = {f"z{s}": rec.z[0]}
        output = l == len(layers)
        if output:
            title = f"Layer {l} (output): {n_out} logits, one per class"
        else:
            eqs.append(f"a{s} = {rec.activation}(z{s})   {shape_text(n_out, 1)}")
            arrays[f"a{s}"] = rec.a[0]
            title = f"Layer {l}: {n_out} {rec.activation} units"
        steps.append(Step("forward", l, "forward", title, tuple(eqs), arrays))
    L = len(layers)
    z = layers[-1].z[0]
    steps.append(Step("softmax", L, "forward", "Softmax: logits → probabilities",
                      (f"p = softmax(z{sup(L)}) = exp(z − max z) / Σ exp(z − max z)   "
                       f"{shape_text(z.size, 1)}",),
                      {f"z{sup(L)}": z, "p": trace.probabilities[0]}))
    return steps


def grad_equation(layers, l: int) -> str:
    """How layer ``l + 1`` passes ``∂L/∂a^l`` down (``l = 0``: ``∂L/∂x``), with shapes."""
    above, n = layers[l], sup(l + 1)
    g, shape = _grad_name(l), above.in_shape
    if above.kind == "dense":
        n_out, n_in = above.W.shape
        return (f"{g} = W{n}ᵀ·δ{n}   {shape_text(n_in, n_out)}·{shape_text(n_out, 1)} → "
                f"{shape_text(n_in, 1)}")
    if above.kind == "conv":
        return (f"{g} = W{n}ᵀ ∗ δ{n}   transposed convolution: δ{n}[c, i, j] adds "
                f"W{n}[c, c′, u, v]·δ{n}[c, i, j] to {conv_reads(above, g)} → "
                f"{shape_text(*shape)}")
    return f"{g} as layer {l + 1} passed it down   {shape_text(*shape)}"


def _map_backward_step(layers, l: int, rec) -> Step:
    """The backward step of a conv, pooling or flatten layer (never the output layer)."""
    s, xin = sup(l), _input_name(l)
    g_out = layers[l].grad_in[0]   # ∂L/∂a^l: what the layer above passed down
    grad_line = grad_equation(layers, l)
    if rec.kind == "conv":
        k = rec.W.shape[-1]
        ho, wo = rec.shape[1:]
        eqs: tuple[str, ...] = (
               grad_line,
               f"δ{s} = {_grad_name(l)} ⊙ {rec.activation}′(z{s})   {shape_text(*rec.shape)} ⊙ "
               f"{shape_text(*rec.shape)}",
               f"dW{s}[c, c′, u, v] = Σ δ{s}[c, i, j]·{conv_reads(rec, xin)}   sum over "
               f"i < {ho}, j < {wo} → {shape_text(*rec.W.shape)}",
               f"db{s}[c] = Σ δ{s}[c, i, j]   sum over i < {ho}, j < {wo} → "
               f"{shape_text(rec.W.shape[0])}")
        arrays = {_grad_name(l): g_out, f"δ{s}": rec.delta[0], f"dW{s}": rec.dW,
                  f"db{s}": rec.db}
        return Step("backward", l, "backward",
                    f"Layer {l}: delta and gradients of {rec.W.shape[0]} {k}×{k} kernels",
                    eqs, arrays)
    below = _grad_name(l - 1)
    if rec.kind == "pool":
        p = rec.spec.size
        if rec.spec.mode == "max":
            line = (f"{below}[c, argmax] = {_grad_name(l)}[c, i, j], 0 elsewhere   each "
                    f"{p}×{p} block's gradient goes to where its maximum was")
            title = f"Layer {l}: the gradient goes to the maximum of each {p}×{p} block"
            arrays = {_grad_name(l): g_out, f"argmax{s}": rec.argmax[0]}
        else:
            line = (f"{below}[c, {p}i + u, {p}j + v] = {_grad_name(l)}[c, i, j] / {p * p}   "
                    f"spread evenly over each {p}×{p} block")
            title = f"Layer {l}: the gradient spread evenly over each {p}×{p} block"
            arrays = {_grad_name(l): g_out}
        eqs = (grad_line, f"{line} → {shape_text(*rec.in_shape)}")
    else:
        c, h, w = rec.in_shape
        eqs = (grad_line, f"{below}[c, i, j] = {_grad_name(l)}[(i·{w} + j)·{c} + c]   "
                          f"{shape_text(rec.shape[0], 1)} → {shape_text(c, h, w)}")
        title = f"Layer {l}: the gradient reshaped back to {maps_text(c, h, w)}"
        arrays = {_grad_name(l): g_out}
    arrays[below] = rec.grad_in[0]
    return Step("backward", l, "backward", title, eqs, arrays)


def backward_steps(trace: BackwardTrace) -> list[Step]:
    """The loss, one step per layer from the output down (``δ``, ``dW``, ``db``), then ``∂L/∂x``.

    A conv step gives ``∂L/∂a^l`` (what the layer above passed down), ``δ^l``, ``dW^l``
    (C_out, C_in, k, k) and ``db^l``; a pooling or flatten step, which has no parameters,
    the gradient at its output and the one it passes down, in their map shapes.
    """
    layers, L = trace.layers, len(trace.layers)
    y = int(trace.y[0])
    p = trace.probabilities[0]
    z = f"z{sup(L)}"
    if trace.loss_name == "mse":
        loss_eqs: tuple[str, ...] = (
            f"L = Σₖ (pₖ − Yₖ)²   with Y the one-hot target ({y}) = {trace.loss:.4g}",)
        delta_eq = f"δ{sup(L)} = ∂L/∂z{sup(L)} = p ⊙ (g − (g·p)),  g = 2(p − Y)"
    else:
        # As losses.cross_entropy computes it: from the logits, so a p[y] that rounds to 0
        # still gives the true loss.
        loss_eqs = (f"L = −log p[{y}] = −log softmax({z})[{y}]",
                    f"= log Σₖ exp({z}ₖ − max {z}) − ({z}[{y}] − max {z}) = {trace.loss:.4g}")
        delta_eq = f"δ{sup(L)} = ∂L/∂z{sup(L)} = p − Y   (Y one-hot at {y})"
    steps = [Step("loss", L, "backward", f"Loss for target {y}: {trace.loss:.4g}", loss_eqs,
                  {"p": p})]
    for l in range(L, 0, -1):
        rec = layers[l - 1]
        if rec.kind != "dense":
            steps.append(_map_backward_step(layers, l, rec))
            continue
        assert rec.W is not None and rec.delta is not None  # a dense layer's backward record
        n_out, n_in = rec.W.shape
        s, xin = sup(l), _input_name(l)
        # The layer above a hidden dense layer is dense too (a map needs flatten first).
        W_above = layers[l].W if l < L else None
        n_above = 0 if W_above is None else W_above.shape[0]
        first = f"{delta_eq}   {shape_text(n_out, 1)}" if l == L else (
            f"δ{s} = W{sup(l + 1)}ᵀ·δ{sup(l + 1)} ⊙ {rec.activation}′(z{s})   "
            f"{shape_text(n_out, n_above)}·{shape_text(n_above, 1)}"
            f" ⊙ {shape_text(n_out, 1)}")
        eqs = (first,
               f"dW{s} = δ{s}·{xin}ᵀ   {shape_text(n_out, 1)}·{shape_text(1, n_in)}"
               f" → {shape_text(n_out, n_in)}",
               f"db{s} = δ{s}   {shape_text(n_out, 1)}")
        steps.append(Step("backward", l, "backward", f"Layer {l}: delta and gradients", eqs,
                          {f"δ{s}": rec.delta[0], f"dW{s}": rec.dW, f"db{s}": rec.db}))
    bottom = layers[0]
    x = bottom.x[0]
    # An MLP's ∂L/∂x is the trace's (n_in,) row; a ConvNet's keeps the input's map shape.
    grad = trace.input_grad[0] if bottom.grad_in is None else bottom.grad_in[0]
    steps.append(Step("input_grad", 0, "backward", "Gradient with respect to the input pixels",
                      (grad_equation(layers, 0),), {"∂L/∂x": grad, "x": x}))
    return steps


@dataclass(frozen=True)
class SoftmaxSteps:
    """``p = softmax(z / T)`` spelled out: each array (K,), ``total`` a scalar."""

    scaled: np.ndarray     # z / T
    shifted: np.ndarray    # z / T − max
    exp: np.ndarray
    total: float
    p: np.ndarray


def softmax_steps(z, temperature: float = 1.0) -> SoftmaxSteps:
    """The four stages of a stable softmax of logits ``z`` (K,) at temperature ``T > 0``."""
    if not temperature > 0:
        raise ValueError(f"the temperature must be positive, got {temperature}")
    z = np.asarray(z, dtype=np.float64)
    scaled = z / temperature
    shifted = scaled - scaled.max()
    e = np.exp(shifted)
    total = float(e.sum())
    return SoftmaxSteps(frozen(scaled), frozen(shifted), frozen(e), total, frozen(e / total))


class Stepper:
    """A cursor over the forward then backward steps of one example.

    Parameters
    ----------
    net : MLP or ConvNet
        Not modified (its gradient buffers are overwritten by the trace: pass a copy).
    x : ndarray, shape (n_in,)
    target : int or None
        The class the backward pass is taken for; None: the class the network predicts
        (from the same pass).
    loss : str
    """

    def __init__(self, net: Network, x, target: int | None, loss: str = "cross_entropy"):
        y = None if target is None else int(target)
        self.trace: BackwardTrace = backward_trace(net, np.asarray(x).reshape(-1), y, loss)
        self.steps: list[Step] = forward_steps(self.trace) + backward_steps(self.trace)
        self.n_forward = len(self.layers) + 2
        self.position = 0

    @property
    def layers(self):
        return self.trace.layers

    @property
    def current(self) -> Step:
        return self.steps[self.position]

    @property
    def at_end(self) -> bool:
        return self.position == len(self.steps) - 1

    def forward(self) -> bool:
        """Advance one step; False at the end."""
        if self.at_end:
            return False
        self.position += 1
        return True

    def back(self) -> bool:
        """Go back one step; False at the start."""
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def reset(self) -> None:
        self.position = 0

    def seek(self, position: int) -> None:
        self.position = int(np.clip(position, 0, len(self.steps) - 1))
