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


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``log softmax(z)`` (m, K), computed as ``z - max - log Σ exp(z - max)``."""
    s = z - z.max(axis=1, keepdims=True)
    s -= np.log(np.exp(s).sum(axis=1, keepdims=True))
    return s


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
    """``L = -(1/m) Σ_i log p_{i, y_i}`` with ``p = softmax(z)``; ``∂L/∂z = (p - Y) / m``."""

    name = "cross_entropy"

    def value(self, z, y):
        logp = log_softmax(z)
        return float(-logp[np.arange(len(y)), y].mean(dtype=np.float64))

    def value_and_delta(self, z, y):
        m = len(y)
        rows = np.arange(m)
        p = softmax(z)
        # -log p clipped at the smallest positive float so a confident wrong answer is finite.
        tiny = np.finfo(p.dtype).tiny
        loss = float(-np.log(np.maximum(p[rows, y], tiny)).mean(dtype=np.float64))
        p[rows, y] -= 1
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
