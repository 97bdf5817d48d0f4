"""Step-through as data: one record per layer of a forward or backward pass.

The stepper view only indexes these records; every number it shows comes from here.
Records hold read-only copies, so they can cross threads and outlive the next batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine.losses import get_loss, softmax
from nnviz.engine.network import MLP
from nnviz.engine.snapshot import frozen


@dataclass(frozen=True)
class LayerTrace:
    """One layer ``l`` (numbered from 1) of a pass over a batch of m inputs.

    Attributes
    ----------
    index : int
        Layer number ``l``, 1 for the first hidden layer.
    activation : str
        Name of ``f`` (``identity`` for the output layer).
    W : ndarray (n_out, n_in)
    b : ndarray (n_out,)
    x : ndarray (m, n_in)
        The layer's input ``a^{l-1}`` (the image for layer 1).
    z : ndarray (m, n_out)
        ``z^l = x·Wᵀ + b``.
    a : ndarray (m, n_out)
        ``a^l = f(z^l)``; the logits for the output layer.
    delta, dW, db : ndarray or None
        Backward pass only: ``δ^l = ∂L/∂z^l`` (m, n_out), ``∂L/∂W^l`` (n_out, n_in),
        ``∂L/∂b^l`` (n_out,).
    """

    index: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    x: np.ndarray
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray | None = None
    dW: np.ndarray | None = None
    db: np.ndarray | None = None


@dataclass(frozen=True)
class ForwardTrace:
    """A whole forward pass: ``layers[l-1]`` for layer ``l``, and the softmax output (m, K)."""

    layers: tuple[LayerTrace, ...]
    probabilities: np.ndarray


@dataclass(frozen=True)
class BackwardTrace(ForwardTrace):
    """A forward and backward pass for targets ``y`` (m,).

    ``input_grad`` is ``∂L/∂x`` (m, n_in): for an image, the saliency map.
    """

    y: np.ndarray = None
    loss: float = float("nan")
    loss_name: str = ""
    input_grad: np.ndarray = None


def _as_batch(x, dtype) -> np.ndarray:
    x = np.asarray(x, dtype=dtype)
    return x[None, :] if x.ndim == 1 else x


def _records(net: MLP, with_backward: bool) -> tuple[LayerTrace, ...]:
    out = []
    for i, L in enumerate(net.layers, 1):
        extra = {"delta": frozen(L.delta), "dW": frozen(L.dW), "db": frozen(L.db)} if with_backward else {}
        out.append(LayerTrace(i, L.activation.name, frozen(L.W), frozen(L.b), frozen(L.x),
                              frozen(L.z), frozen(L.a), **extra))
    return tuple(out)


def forward_trace(net: MLP, x) -> ForwardTrace:
    """Run ``x`` (n_in,) or (m, n_in) forward (no dropout) and record every layer."""
    z = net.forward(_as_batch(x, net.dtype))
    trace = ForwardTrace(_records(net, False), frozen(softmax(z)))
    net.clear_caches()
    return trace


def backward_trace(net: MLP, x, y, loss="cross_entropy") -> BackwardTrace:
    """Forward ``x`` and backpropagate the loss for targets ``y``; record every layer.

    Note that this overwrites the network's gradient buffers (not its parameters).

    Parameters
    ----------
    x : ndarray, shape (n_in,) or (m, n_in)
    y : int or ndarray of int, shape (m,)
    loss : str or Loss
    """
    xb = _as_batch(x, net.dtype)
    yb = np.atleast_1d(np.asarray(y, dtype=np.int64))
    loss_fn = get_loss(loss)
    z = net.forward(xb)
    value, delta = loss_fn.value_and_delta(z, yb)
    input_grad = net.backward(delta, need_input_grad=True)
    trace = BackwardTrace(_records(net, True), frozen(softmax(z)), y=frozen(yb), loss=value,
                          loss_name=loss_fn.name, input_grad=frozen(input_grad))
    net.clear_caches()
    return trace
