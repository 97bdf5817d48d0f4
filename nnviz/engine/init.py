"""Weight initialisers: ``W`` of shape (n_out, n_in) drawn for a layer with ``fan_in = n_in``.

He and Xavier/Glorot are the modern choices; ``uniform`` (±0.5) and ``normal`` (standard
normal) are the classic tutorials' naive ones, kept so their behaviour can be reproduced.
``scale`` multiplies the result (1.0 = the scheme as published).
"""

from __future__ import annotations

import numpy as np


def he(rng, n_in, n_out):
    """Normal with std ``sqrt(2 / n_in)`` (He et al. 2015), for ReLU layers."""
    return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)


def xavier(rng, n_in, n_out):
    """Uniform in ``±sqrt(6 / (n_in + n_out))`` (Glorot & Bengio 2010), for sigmoid/tanh."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_out, n_in))


def uniform(rng, n_in, n_out):
    """Uniform in ±0.5, as ``np.random.rand(n_out, n_in) - 0.5`` in the tutorials."""
    return rng.uniform(-0.5, 0.5, (n_out, n_in))


def normal(rng, n_in, n_out):
    """Standard normal, as ``np.random.randn(n_out, n_in)`` in the tutorials."""
    return rng.standard_normal((n_out, n_in))


INITIALISERS = {"he": he, "xavier": xavier, "uniform": uniform, "normal": normal}


def init_weights(name: str, rng: np.random.Generator, n_in: int, n_out: int,
                 scale: float = 1.0, dtype=np.float32) -> np.ndarray:
    """Draw a weight matrix.

    Returns
    -------
    W : ndarray, shape (n_out, n_in), ``dtype``
    """
    key = str(name).lower().replace("glorot", "xavier")
    if key not in INITIALISERS:
        raise ValueError(f"unknown initialiser {name!r}; choose one of {', '.join(INITIALISERS)}")
    return (INITIALISERS[key](rng, n_in, n_out) * scale).astype(dtype)
