"""Finite-difference oracle for the gradients: the engine is checked against it.

A centred difference ``(L(θ+ε) − L(θ−ε)) / 2ε`` in float64 has error O(ε²), so with
ε ≈ 1e-6 a correct backpropagation agrees to a relative error near 1e-9.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6,
                       indices=None) -> np.ndarray:
    """Centred-difference gradient of the scalar ``f()`` with respect to array ``x``.

    ``x`` is perturbed in place and restored. With ``indices`` (flat positions), only those
    entries are computed and the rest of the result is NaN.

    Returns
    -------
    ndarray, shape of ``x``, float64
    """
    flat = x.reshape(-1)  # a view: perturbing it perturbs x
    grad = np.full(flat.shape, np.nan)
    for i in range(flat.size) if indices is None else indices:
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad.reshape(x.shape)


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``‖a − n‖ / (‖a‖ + ‖n‖)`` over the entries where ``numeric`` is defined.

    Norms rather than entrywise ratios, so entries that are zero in both (a ReLU that was
    off) do not turn rounding noise into a large "relative" error.
    """
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    mask = ~np.isnan(n)
    a, n = a[mask], n[mask]
    return float(np.linalg.norm(a - n) / max(float(np.linalg.norm(a) + np.linalg.norm(n)), 1e-300))
