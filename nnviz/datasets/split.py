"""Deterministic, stratified hold-out splits (validation from train, test from a single file)."""

from __future__ import annotations

import math

import numpy as np

from .errors import DatasetError


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

    Raises
    ------
    DatasetError
        If ``fraction > 0`` but there are too few rows to hold any out, or a class has so few
        rows that holding its share out would leave none of it in the kept part.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}")
    labels = np.asarray(labels)
    n_held = int(round(fraction * len(labels)))
    classes, counts = np.unique(labels, return_counts=True)
    quotas = _largest_remainder(counts * fraction, n_held)
    if fraction > 0:
        _check_quotas(fraction, len(labels), n_held, classes, counts, quotas)
    rng = np.random.default_rng(seed)
    held = [
        rng.permutation(np.flatnonzero(labels == cls))[:quota]
        for cls, quota in zip(classes, quotas, strict=True)
    ]
    held_idx = np.sort(np.concatenate(held)) if held else np.empty(0, dtype=np.int64)
    mask = np.ones(len(labels), dtype=bool)
    mask[held_idx] = False
    return np.flatnonzero(mask).astype(np.int64), held_idx.astype(np.int64)


def _check_quotas(fraction: float, n_rows: int, n_held: int, classes: np.ndarray,
                  counts: np.ndarray, quotas: np.ndarray) -> None:
    """Refuse a split that holds out nothing, or all of a class; say how many rows it needs."""
    share = f"{100 * fraction:g}%"
    if n_held == 0:
        needed = math.ceil(0.5 / fraction)
        while round(fraction * needed) < 1:  # round() halves to even: round(0.5) is 0
            needed += 1
        raise DatasetError(f"{share} of {_rows(n_rows)} rounds to no rows; at least {needed} "
                           "rows are needed")
    whole = np.flatnonzero(quotas >= counts)
    if whole.size:
        # A class gets at most ceil(count * fraction) rows, fewer than count from this on.
        needed = max(2, math.ceil(1 / (1 - fraction)))
        cls, count = classes[whole[0]], int(counts[whole[0]])
        raise DatasetError(f"class {cls} has only {_rows(count)}, and holding out {share} would "
                           f"leave none of it; each class needs at least {needed} rows")


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Round ``shares`` to integers summing to ``total`` (Hamilton's apportionment)."""
    quotas = np.floor(shares).astype(np.int64)
    remainders = shares - quotas
    # Stable sort so ties go to the lower class index, deterministically.
    for i in np.argsort(-remainders, kind="stable")[: max(total - int(quotas.sum()), 0)]:
        quotas[i] += 1
    return quotas
