"""Losses on the network's output logits ``z`` (m, K) and integer labels ``y`` (m,).

Both losses apply softmax to the logits themselves, so the network's last layer is linear.
``delta(z, y)`` returns ``∂L/∂z`` for the batch-mean loss, shape (m, K): the output-layer
delta that backpropagation starts from.
"""

from __future__ import annotations

import numpy as np


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of logits ``z`` (m, K) → probabilities (m, K), numerically stable.

    Subtracting the row maximum first leaves the result unchanged and keeps ``exp`` finite.
    """
    s = z / z.dtype.type(temperature) if temperature != 1.0 else z.copy()
    s -= s.max(axis=1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=1, keepdims=True)
    return s


def _shifted_exp(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``s = z − max z`` and ``exp(s)`` row-wise, both (m, K) in z's dtype."""
    s = z - z.max(axis=1, keepdims=True)
    return s, np.exp(s)


def _nll(s: np.ndarray, e: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log Σ e − s_y`` (m,) float64 from ``s = z − max z`` and ``e = exp(s)``."""
    return np.log(e.sum(axis=1, dtype=np.float64)) - s[np.arange(len(y)), y]


def cross_entropy(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-example cross-entropy ``−log softmax(z)_y`` of logits ``z`` (m, K), labels ``y`` (m,).

    Computed from the logits as ``−(z_y − max z − log Σ exp(z − max z))``, float64 (m,):
    exact for any logit gap, where ``−log p_y`` stops at 87.34 in float32 once ``p_y``
    rounds to the smallest float. Every cross-entropy nnviz shows goes through here.
    """
    return _nll(*_shifted_exp(z), y)


class Loss:
    """Base class. ``name`` identifies the loss in configs and checkpoints."""

    name = "base"

    def value(self, z: np.ndarray, y: np.ndarray) -> float:
        """Batch-mean loss for logits ``z`` (m, K) and labels ``y`` (m,) in 0..K-1."""
        raise NotImplementedError

    def delta(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``∂L/∂z`` (m, K) of the batch-mean loss."""
        raise NotImplementedError

    def value_and_delta(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Both at once, sharing the softmax (the training loop's hot path)."""
        return self.value(z, y), self.delta(z, y)


class SoftmaxCrossEntropy(Loss):
    """``L = -(1/m) Σ_i log p_{i, y_i}`` with ``p = softmax(z)``; ``∂L/∂z = (p - Y) / m``.

    The value is :func:`cross_entropy`, taken from the logits (never ``log`` of a rounded p).
    """

    name = "cross_entropy"

    def value(self, z, y):
        return float(cross_entropy(z, y).mean())

    def value_and_delta(self, z, y):
        m = len(y)
        s, p = _shifted_exp(z)
        loss = float(_nll(s, p, y).mean())
        p /= p.sum(axis=1, keepdims=True)  # softmax(z), the same numbers as softmax()
        p[np.arange(m), y] -= 1
        p *= p.dtype.type(1.0 / m)
        return loss, p

    def delta(self, z, y):
        return self.value_and_delta(z, y)[1]


class SoftmaxMSE(Loss):
    """Mean squared error on the softmax output: ``L = (1/m) Σ_i Σ_k (p_ik - Y_ik)²``.

    ``∂L/∂p = 2 (p - Y) / m``, and through the softmax Jacobian
    ``∂L/∂z = p ⊙ (g - Σ_k g_k p_k)`` with ``g = ∂L/∂p``.
    """

    name = "mse"

    def value_and_delta(self, z, y):
        m = len(y)
        p = softmax(z)
        g = p.copy()
        g[np.arange(m), y] -= 1
        loss = float(np.einsum("ij,ij->", g, g, dtype=np.float64) / m)
        g *= g.dtype.type(2.0 / m)
        delta = p * (g - (g * p).sum(axis=1, keepdims=True))
        return loss, delta

    def value(self, z, y):
        return self.value_and_delta(z, y)[0]

    def delta(self, z, y):
        return self.value_and_delta(z, y)[1]


LOSSES: dict[str, type[Loss]] = {cls.name: cls for cls in (SoftmaxCrossEntropy, SoftmaxMSE)}


def get_loss(name: str | Loss) -> Loss:
    """Return a loss instance from its name (``cross_entropy`` or ``mse``)."""
    if isinstance(name, Loss):
        return name
    key = str(name).lower().replace("-", "_")
    key = {"ce": "cross_entropy", "crossentropy": "cross_entropy"}.get(key, key)
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    return LOSSES[key]()
