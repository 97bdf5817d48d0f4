"""Activation functions ``a = f(z)`` and their derivatives ``f'(z)``.

Each activation is a small stateless object with a ``name``, ``forward(z)`` and
``derivative(z, a)``. The derivative receives both the pre-activation ``z`` and the
activation ``a = f(z)`` because for sigmoid and tanh the cheap form uses ``a``, for ReLU
either works, and for leaky ReLU it needs ``z``.
"""

from __future__ import annotations

import numpy as np


class Activation:
    """Base class: elementwise ``a = f(z)``; subclasses override both methods."""

    name = "base"

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Return ``f(z)`` as a new array of the same shape and dtype as ``z``."""
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Return ``f'(z)`` elementwise, shape and dtype of ``z``."""
        raise NotImplementedError

    def backward(self, grad_a: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Return ``δ = ∂L/∂z = ∂L/∂a ⊙ f'(z)``; may overwrite ``grad_a`` in place."""
        grad_a *= self.derivative(z, a)
        return grad_a

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(Activation):
    """``f(z) = z``; the output layer's activation (softmax lives in the loss)."""

    name = "identity"

    def forward(self, z):
        return z.copy()

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, grad_a, z, a):
        return grad_a


class ReLU(Activation):
    """``f(z) = max(z, 0)``; ``f'(z) = 1`` where ``z > 0`` else 0 (0 at the kink)."""

    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0)

    def derivative(self, z, a):
        return (z > 0).astype(z.dtype)

    def backward(self, grad_a, z, a):
        # In place: zero the gradient where the unit was off; no float temporary.
        np.multiply(grad_a, z > 0, out=grad_a)
        return grad_a


class LeakyReLU(Activation):
    """``f(z) = z`` for ``z > 0`` else ``slope·z``."""

    name = "leaky_relu"

    def __init__(self, slope: float = 0.01):
        self.slope = float(slope)

    def forward(self, z):
        return np.where(z > 0, z, z * z.dtype.type(self.slope))

    def derivative(self, z, a):
        return np.where(z > 0, z.dtype.type(1), z.dtype.type(self.slope))

    def __repr__(self):
        return f"LeakyReLU(slope={self.slope})"


class Sigmoid(Activation):
    """``f(z) = 1 / (1 + e^{-z})``; ``f'(z) = a (1 - a)``."""

    name = "sigmoid"

    def forward(self, z):
        # Written through tanh so large |z| never overflows exp().
        a = np.tanh(z * z.dtype.type(0.5))
        a += 1
        a *= z.dtype.type(0.5)
        return a

    def derivative(self, z, a):
        return a * (1 - a)


class Tanh(Activation):
    """``f(z) = tanh(z)``; ``f'(z) = 1 - a²``."""

    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Identity, ReLU, LeakyReLU, Sigmoid, Tanh)
}


def get_activation(name: str | Activation) -> Activation:
    """Return an activation instance from its name (``relu``, ``leaky_relu``, ``sigmoid``,
    ``tanh``, ``identity``) or pass an instance through; ``ValueError`` names the choices."""
    if isinstance(name, Activation):
        return name
    key = str(name).lower().replace("-", "_")
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[key]()
