"""The fully connected layer: ``z = x·Wᵀ + b``, ``a = f(z)``, batch-major.

Shapes follow the tutorials' math with the batch as the first axis: ``x`` (m, n_in),
``W`` (n_out, n_in), ``b`` (n_out,), ``z`` and ``a`` (m, n_out). ``W``, ``b``, ``dW`` and
``db`` are usually views into the owning network's flat parameter and gradient buffers, so
an optimiser updates every parameter with a handful of whole-buffer operations.
"""

from __future__ import annotations

import numpy as np

from nnviz.engine.activations import Activation


class Dense:
    """One layer with cached forward values for backpropagation.

    Parameters
    ----------
    W : ndarray, shape (n_out, n_in)
    b : ndarray, shape (n_out,)
    dW, db : ndarray
        Gradient buffers of the same shapes, filled by :meth:`backward`.
    activation : Activation

    Attributes
    ----------
    x, z, a : ndarray or None
        The last forward pass's input (m, n_in), pre-activation and activation (m, n_out).
    out : ndarray or None
        What the layer passed up: ``a``, or ``a`` with dropout applied while training.
    delta : ndarray or None
        The last backward pass's ``δ = ∂L/∂z`` (m, n_out).
    """

    def __init__(self, W, b, dW, db, activation: Activation):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.activation = activation
        self.x: np.ndarray | None = None
        self.z: np.ndarray | None = None
        self.a: np.ndarray | None = None
        self.out: np.ndarray | None = None
        self.delta: np.ndarray | None = None
        self._keep: np.ndarray | None = None  # dropout mask scaled by 1/(1-p), or None

    @property
    def n_in(self) -> int:
        return self.W.shape[1]

    @property
    def n_out(self) -> int:
        return self.W.shape[0]

    def forward(self, x: np.ndarray, dropout: float = 0.0, rng=None) -> np.ndarray:
        """Compute and cache ``z`` and ``a`` for input ``x`` (m, n_in); return ``out`` (m, n_out).

        With ``dropout > 0`` (training only) each unit's output is zeroed with probability
        ``dropout`` and the survivors scaled by ``1/(1-dropout)`` (inverted dropout), so
        evaluation needs no rescaling.
        """
        z = x @ self.W.T
        z += self.b
        a = self.activation.forward(z)
        self.x, self.z, self.a = x, z, a
        if dropout > 0.0:
            keep = rng.random(a.shape, dtype=np.float32) >= dropout
            self._keep = keep.astype(a.dtype) * a.dtype.type(1.0 / (1.0 - dropout))
            out = a * self._keep
        else:
            self._keep = None
            out = a
        self.out = out
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        """Backpropagate ``∂L/∂out`` (m, n_out) through this layer.

        Fills ``dW = δᵀ·x`` (n_out, n_in) and ``db = Σ_i δ_i`` (n_out,), caches ``δ``, and
        returns ``∂L/∂x = δ·W`` (m, n_in) — the gradient the layer below receives — or None
        when ``need_input_grad`` is False (the first layer during training: that product is
        the most expensive one and nobody reads it). ``grad_out`` may be overwritten.
        """
        if self.x is None or self.z is None or self.a is None:
            raise RuntimeError("Dense.backward() before forward()")
        if self._keep is not None:
            grad_out = grad_out * self._keep
        delta = self.activation.backward(grad_out, self.z, self.a)
        self.delta = delta
        np.matmul(delta.T, self.x, out=self.dW)
        np.sum(delta, axis=0, out=self.db)
        return delta @ self.W if need_input_grad else None

    def clear_cache(self) -> None:
        """Drop the cached arrays (they hold a whole batch each)."""
        self.x = self.z = self.a = self.out = self.delta = None
        self._keep = None
