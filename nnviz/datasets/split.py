"""Deterministic, stratified hold-out splits (validation from train, test from a single file)."""

from __future__ import annotations

import numpy as np


def stratified_split(
    labels: np.ndarray, fraction: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into kept and held-out parts, each class in the same proportion.

    Parameters
    ----------
    labels : np.ndarray
        int, shape (N,).
    fraction : float
        Share of the rows to hold out, in [0, 1). ``round(fraction * N)`` rows are held out,
        spread over the classes by largest remainder.
    seed : int
        Which rows of each class are held out; the same seed gives the same split.

    Returns
    -------
    kept, held : np.ndarray
        int64 indices into ``labels``, each sorted ascending (file order is kept).
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}")
    labels = np.asarray(labels)
    n_held = int(round(fraction * len(labels)))
    classes, counts = np.unique(labels, return_counts=True)
    quotas = _largest_remainder(counts * fraction, n_held)
    rng = np.random.default_rng(seed)
    held = [
        rng.permutation(np.flatnonzero(labels == cls))[:quota]
        for cls, quota in zip(classes, quotas, strict=True)
    ]
    held_idx = np.sort(np.concatenate(held)) if held else np.empty(0, dtype=np.int64)
    mask = np.ones(len(labels), dtype=bool)
    mask[held_idx] = False
    return np.flatnonzero(mask).astype(np.int64), held_idx.astype(np.int64)


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Round ``shares`` to integers summing to ``total`` (Hamilton's apportionment)."""
    quotas = np.floor(shares).astype(np.int64)
    remainders = shares - quotas
    # Stable sort so ties go to the lower class index, deterministically.
    for i in np.argsort(-remainders, kind="stable")[: max(total - int(quotas.sum()), 0)]:
        quotas[i] += 1
    return quotas
