"""The forward and backward pass of one example as a sequence of steps to walk through.

A :class:`Step` is one thing the stepper view shows: a title, the equation with the real
shapes (``z¹ = W¹·x + b¹   (256×784)·(784×1) + (256×1)``) and the named arrays it produced.
Every array is taken from a :class:`~nnviz.analysis.trace.BackwardTrace`, never recomputed, so
what the view shows is what the engine computed. :class:`Stepper` is the cursor over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnviz.analysis.notation import shape_text, sup
from nnviz.analysis.trace import BackwardTrace, backward_trace
from nnviz.engine.network import MLP
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
        vectors (n,) for one example, matrices (n_out, n_in) for ``dW``, (28·28,) for images.
    """

    kind: str
    layer: int
    direction: str
    title: str
    equations: tuple[str, ...]
    arrays: dict = field(default_factory=dict)


def _input_name(l: int) -> str:
    return "x" if l == 1 else f"a{sup(l - 1)}"


def z_equation(l: int, n_out: int, n_in: int) -> str:
    """``z² = W²·a¹ + b²   (128×256)·(256×1) + (128×1)``: layer ``l``'s sum with its shapes."""
    s = sup(l)
    return (f"z{s} = W{s}·{_input_name(l)} + b{s}   {shape_text(n_out, n_in)}·"
            f"{shape_text(n_in, 1)} + {shape_text(n_out, 1)}")


def forward_steps(trace: BackwardTrace) -> list[Step]:
    """Input, then one step per layer (``z`` then ``a = f(z)``), then the softmax."""
    layers = trace.layers
    x = layers[0].x[0]
    steps = [Step("input", 0, "forward", f"Input x: {x.size} pixel values in [0, 1]",
                  (f"x   {shape_text(x.size, 1)}",), {"x": x})]
    for rec in layers:
        l, (n_out, n_in) = rec.index, rec.W.shape
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


def backward_steps(trace: BackwardTrace) -> list[Step]:
    """The loss, one step per layer from the output down (``δ``, ``dW``, ``db``), then ``∂L/∂x``."""
    layers, L = trace.layers, len(trace.layers)
    y = int(trace.y[0])
    p = trace.probabilities[0]
    z = f"z{sup(L)}"
    if trace.loss_name == "mse":
        loss_eqs = (f"L = Σₖ (pₖ − Yₖ)²   with Y the one-hot target ({y}) = {trace.loss:.4g}",)
        delta_eq = f"δ{sup(L)} = ∂L/∂z{sup(L)} = p ⊙ (g − (g·p)),  g = 2(p − Y)"
    else:
        # As losses.cross_entropy computes it: from the logits, so a p[y] that rounds to 0
        # still gives the true loss.
        loss_eqs = (f"L = −log p[{y}] = −log softmax({z})[{y}]",
                    f"= log Σₖ exp({z}ₖ − max {z}) − ({z}[{y}] − max {z}) = {trace.loss:.4g}")
        delta_eq = f"δ{sup(L)} = ∂L/∂z{sup(L)} = p − Y   (Y one-hot at {y})"
    steps = [Step("loss", L, "backward", f"Loss for target {y}: {trace.loss:.4g}", loss_eqs,
                  {"p": p})]
    for rec in reversed(layers):
        l, (n_out, n_in) = rec.index, rec.W.shape
        s, xin = sup(l), _input_name(l)
        first = f"{delta_eq}   {shape_text(n_out, 1)}" if l == L else (
            f"δ{s} = W{sup(l + 1)}ᵀ·δ{sup(l + 1)} ⊙ {rec.activation}′(z{s})   "
            f"{shape_text(n_out, layers[l].W.shape[0])}·{shape_text(layers[l].W.shape[0], 1)}"
            f" ⊙ {shape_text(n_out, 1)}")
        eqs = (first,
               f"dW{s} = δ{s}·{xin}ᵀ   {shape_text(n_out, 1)}·{shape_text(1, n_in)}"
               f" → {shape_text(n_out, n_in)}",
               f"db{s} = δ{s}   {shape_text(n_out, 1)}")
        steps.append(Step("backward", l, "backward", f"Layer {l}: delta and gradients", eqs,
                          {f"δ{s}": rec.delta[0], f"dW{s}": rec.dW, f"db{s}": rec.db}))
    n_in = layers[0].W.shape[1]
    steps.append(Step("input_grad", 0, "backward", "Gradient with respect to the input pixels",
                      (f"∂L/∂x = W¹ᵀ·δ¹   {shape_text(n_in, layers[0].W.shape[0])}·"
                       f"{shape_text(layers[0].W.shape[0], 1)} → {shape_text(n_in, 1)}",),
                      {"∂L/∂x": trace.input_grad[0], "x": layers[0].x[0]}))
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
    net : MLP
        Not modified (its gradient buffers are overwritten by the trace: pass a copy).
    x : ndarray, shape (n_in,)
    target : int
        The class the backward pass is taken for.
    loss : str
    """

    def __init__(self, net: MLP, x, target: int, loss: str = "cross_entropy"):
        self.trace: BackwardTrace = backward_trace(net, np.asarray(x).reshape(-1), int(target), loss)
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
