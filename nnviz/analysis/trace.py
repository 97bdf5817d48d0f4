"""Step-through as data: one record per layer of a forward or backward pass.

The stepper view only indexes these records; every number it shows comes from here.
Records hold read-only copies, so they can cross threads and outlive the next batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np

from nnviz.engine.conv import conv_geometry as axis_geometry
from nnviz.engine.convnet import LayerSpec, Network
from nnviz.engine.losses import get_loss, softmax
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
    W : ndarray (n_out, n_in) or None
    b : ndarray (n_out,) or None
        None for pooling and flatten, which have no parameters.
    x : ndarray (m, n_in)
        The layer's input ``a^{l-1}`` (the image for layer 1).
    z : ndarray (m, n_out)
        ``z^l = x·Wᵀ + b``.
    a : ndarray (m, n_out)
        ``a^l = f(z^l)``; the logits for the output layer.
    delta, dW, db : ndarray or None
        Backward pass only: ``δ^l = ∂L/∂z^l`` (m, n_out), ``∂L/∂W^l`` (n_out, n_in),
        ``∂L/∂b^l`` (n_out,).
    kind : str
        ``dense`` for an MLP's layers; for a ``ConvNet`` one record per layer of its stack,
        ``conv``, ``pool``, ``flatten`` or ``dense``. Maps are then (m, C, H, W), a conv's
        ``W`` and ``dW`` (C_out, C_in, k, k); pool and flatten have ``W``, ``b`` None and
        ``z`` = ``a`` = their output.
    grad_in : ndarray or None
        Backward pass of a ``ConvNet``: ``∂L/∂x``, the gradient the layer passes down, in
        the shape of ``x``.
    argmax : ndarray or None
        Max pooling: (m, C, Ho, Wo), the flat index ``r·W + c`` into the input map of the
        maximum each output took, where its δ is routed back.
    position : int
        The layer's place ``l`` in the network, from 1: ``layers[l - 1]`` of its trace. For
        an MLP it is ``index``; a ConvNet's counts pooling and flatten layers too, and is
        the ``l`` of the stepper's, the cells' and the diagram's layers and of unit edits.
    spec : LayerSpec or None
        A ``ConvNet`` layer's description (kernel, stride, padding, pooling size and mode),
        so that its arithmetic can be spelled out and the network rebuilt; None for an MLP.
    """

    index: int
    activation: str
    W: np.ndarray | None
    b: np.ndarray | None
    x: np.ndarray
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray | None = None
    dW: np.ndarray | None = None
    db: np.ndarray | None = None
    kind: str = "dense"
    grad_in: np.ndarray | None = None
    argmax: np.ndarray | None = None
    spec: LayerSpec | None = None
    position: int = 0

    @property
    def shape(self) -> tuple[int, ...]:
        """The output of one example: (C, H, W) for a map, (n,) for a vector."""
        return self.a.shape[1:]

    @property
    def in_shape(self) -> tuple[int, ...]:
        """The input of one example: (C, H, W) for a map, (n,) for a vector."""
        return self.x.shape[1:]

    @property
    def conv_geometry(self) -> tuple[int, int, int, int]:
        """A conv record's ``(k, stride, top, left)``: output pixel ``(i, j)`` reads the input
        rows ``stride·i − top + u`` and columns ``stride·j − left + v``, ``u, v < k`` (0 for
        the rows and columns outside the map, 'same' padding)."""
        spec, W = self.spec, self.W
        if self.kind != "conv" or spec is None or W is None:
            raise ValueError(f"a {self.kind} layer has no kernel geometry")
        k, s = W.shape[-1], spec.stride
        top = axis_geometry(self.x.shape[2], k, s, spec.padding)[1]
        left = axis_geometry(self.x.shape[3], k, s, spec.padding)[1]
        return k, s, top, left


@dataclass(frozen=True)
class ForwardTrace:
    """A whole forward pass: ``layers[l-1]`` for layer ``l``, and the softmax output (m, K)."""

    layers: tuple[LayerTrace, ...]
    probabilities: np.ndarray


@dataclass(frozen=True, kw_only=True)
class BackwardTrace(ForwardTrace):
    """A forward and backward pass for targets ``y`` (m,).

    ``input_grad`` is ``∂L/∂x`` (m, n_in): for an image, the saliency map.
    """

    y: np.ndarray
    loss: float
    loss_name: str
    input_grad: np.ndarray


def _as_batch(x, dtype) -> np.ndarray:
    x = np.asarray(x, dtype=dtype)
    return x[None, :] if x.ndim == 1 else x


def _records(net: Network, with_backward: bool) -> tuple[LayerTrace, ...]:
    out = []
    for i, L in enumerate(net.layers, 1):
        extra = ({"delta": frozen(L.delta), "dW": frozen(L.dW), "db": frozen(L.db)}
                 if with_backward else {})
        out.append(LayerTrace(i, L.activation.name, frozen(L.W), frozen(L.b), _kept(L.x),
                              _kept(L.z), _kept(L.a), position=i, **extra))
    return tuple(out)


def _kept(a: np.ndarray | None) -> np.ndarray:
    """A frozen copy of a layer's cache, which the forward pass just filled."""
    if a is None:
        raise RuntimeError("a layer's cache is empty: trace after a forward pass")
    return frozen(a)


@overload
def _chw(a: None) -> None: ...
@overload
def _chw(a: np.ndarray) -> np.ndarray: ...
def _chw(a: np.ndarray | None) -> np.ndarray | None:
    """An NHWC map as a frozen (m, C, H, W) copy; vectors as they are."""
    if a is None:
        return None
    return frozen(np.moveaxis(a, 3, 1) if a.ndim == 4 else a)


def _kernel(W):
    """A conv kernel (C_out, k, k, C_in) as (C_out, C_in, k, k); dense weights unchanged."""
    return None if W is None else frozen(np.moveaxis(W, 3, 1) if W.ndim == 4 else W)


def _pool_argmax(layer) -> np.ndarray | None:
    """Max pooling's window positions as flat indices into its input map, (m, C, Ho, Wo)."""
    if getattr(layer, "argmax", None) is None:
        return None
    p, w = layer.size, layer.in_shape[1]
    ho, wo = layer.out_shape[:2]
    r, c = np.divmod(layer.argmax, p)  # (m, Ho, Wo, C) position inside each window
    rows = r + p * np.arange(ho)[None, :, None, None]
    cols = c + p * np.arange(wo)[None, None, :, None]
    return frozen(np.moveaxis(rows * w + cols, 3, 1))


def _stack_records(net, grads_in=None) -> tuple[LayerTrace, ...]:
    """One record per layer of a ConvNet's stack, maps as (m, C, H, W)."""
    out, index = [], 0
    for i, (spec, L) in enumerate(zip(net.specs, net.stack)):
        has_params = spec.kind in ("conv", "dense")
        index += has_params
        back = {}
        if grads_in is not None:
            back = {"delta": _chw(L.delta) if has_params else None,
                    "dW": _kernel(L.dW) if has_params else None,
                    "db": frozen(L.db) if has_params else None,
                    "grad_in": grads_in[i]}
        out.append(LayerTrace(index if has_params else 0,
                              L.activation.name if has_params else spec.text,
                              _kernel(L.W) if has_params else None,
                              frozen(L.b) if has_params else None,
                              _kept(_chw(L.x)), _kept(_chw(L.z)), _kept(_chw(L.a)),
                              kind=spec.kind,
                              argmax=_pool_argmax(L), spec=spec,
                              position=i + 1, **back))
    return tuple(out)


def forward_trace(net: Network, x) -> ForwardTrace:
    """Run ``x`` (n_in,) or (m, n_in) forward (no dropout) and record every layer."""
    z = net.forward(_as_batch(x, net.dtype))
    records = _stack_records(net) if hasattr(net, "stack") else _records(net, False)
    trace = ForwardTrace(records, frozen(softmax(z)))
    net.clear_caches()
    return trace


def backward_trace(net: Network, x, y=None, loss="cross_entropy") -> BackwardTrace:
    """Forward ``x`` and backpropagate the loss for targets ``y``; record every layer.

    Note that this overwrites the network's gradient buffers (not its parameters).

    Parameters
    ----------
    x : ndarray, shape (n_in,) or (m, n_in)
    y : int or ndarray of int, shape (m,), or None
        None: each example's predicted class, taken from this pass's own forward part (no
        second forward pass to pick it).
    loss : str or Loss
    """
    xb = _as_batch(x, net.dtype)
    loss_fn = get_loss(loss)
    z = net.forward(xb)
    yb = np.argmax(z, axis=1) if y is None else np.atleast_1d(np.asarray(y, dtype=np.int64))
    value, delta = loss_fn.value_and_delta(z, yb)
    if hasattr(net, "stack"):  # layer by layer, keeping what each passes down
        grads_in: list[np.ndarray] = []
        grad = delta
        for i in range(len(net.stack) - 1, -1, -1):
            grad = net.stack[i].backward(grad, need_input_grad=True)
            # Frozen now: the layer below applies f' to it in place.
            grads_in.insert(0, _chw(grad))
        input_grad = grads_in[0].reshape(len(grad), -1) if grad.ndim == 2 else \
            np.moveaxis(grads_in[0], 1, 3).reshape(len(grad), -1)
        records = _stack_records(net, grads_in)
    else:
        input_grad = net.backward(delta, need_input_grad=True)
        records = _records(net, True)
    trace = BackwardTrace(records, frozen(softmax(z)), y=frozen(yb), loss=value,
                          loss_name=loss_fn.name, input_grad=frozen(input_grad))
    net.clear_caches()
    return trace
