"""How accuracy falls as the test images are spoiled: noise, rotation, thicker or thinner strokes.

A network that reaches 98 % on clean test digits may fail on a slightly rotated or
thicker one: these curves show by how much. Each kind of spoiling has a level (σ of the
noise, degrees, passes of dilation or erosion) and a default list of levels from zero, so
that every curve starts at the plain test accuracy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnviz.engine.convnet import Network
from nnviz.engine.image_ops import as_batch, dilate, erode, warp


@dataclass(frozen=True)
class Spoiler:
    """One kind of spoiling: its name, how its level reads, and its default levels."""

    kind: str
    label: str           # e.g. "Gaussian noise"
    unit: str            # how a level reads: "σ = {:g}", "{:g}°"
    axis: str            # what the level measures, for a chart's axis
    levels: tuple[float, ...]

    @property
    def max_level(self) -> float:
        return self.levels[-1]

    def describe(self, level: float) -> str:
        """``level`` in words, e.g. ``σ = 0.3`` or ``30°``."""
        return self.unit.format(level)


SPOILERS: dict[str, Spoiler] = {s.kind: s for s in (
    Spoiler("noise", "Gaussian noise", "σ = {:g}", "σ of the noise",
            (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)),
    Spoiler("rotation", "rotation", "±{:g}°", "degrees", (0.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0)),
    # Levels count passes of a plus-shaped dilation/erosion; a fraction blends two passes.
    Spoiler("thicker", "thicker strokes", "{:g} × dilated", "dilations",
            (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)),
    Spoiler("thinner", "thinner strokes", "{:g} × eroded", "erosions",
            (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)),
)}


def spoil(x: np.ndarray, kind: str, level: float, rng: np.random.Generator | None = None,
          image_shape=(28, 28)) -> np.ndarray:
    """Spoil every image of ``x`` (m, H·W) by ``kind`` at ``level``.

    Parameters
    ----------
    x : ndarray, shape (m, H·W)
        Pixels in [0, 1].
    kind : str
        ``noise``: add Gaussian noise of σ = level, clipped to [0, 1];
        ``rotation``: rotate by ``level`` degrees, each image clockwise or
        counter-clockwise at random (nearest neighbour);
        ``thicker`` / ``thinner``: ``level`` passes of greyscale dilation / erosion;
        a fractional level blends the two neighbouring whole numbers of passes.
    level : float ≥ 0
        0 returns ``x`` itself, unchanged.
    rng : numpy Generator, optional
        Draws the noise and the rotations' directions; default ``default_rng(0)``.

    Returns
    -------
    ndarray of float32, shape (m, H·W)
    """
    if kind not in SPOILERS:
        raise ValueError(f"unknown spoiling {kind!r}; choose one of {', '.join(SPOILERS)}")
    if not level >= 0:
        raise ValueError(f"the level of {kind} must be ≥ 0, got {level!r}")
    h, w = image_shape
    x = as_batch(x, h * w)
    if level == 0:
        return x
    rng = np.random.default_rng(0) if rng is None else rng
    if kind == "noise":
        out = x + np.float32(level) * rng.standard_normal(x.shape, dtype=np.float32)
        return np.clip(out, 0.0, 1.0, out=out)
    if kind == "rotation":
        clockwise = rng.random(len(x)) < 0.5
        out = np.empty_like(x)
        for mask, angle in ((~clockwise, level), (clockwise, -level)):
            if mask.any():
                out[mask] = warp(x[mask], angle, image_shape=image_shape)
        return out
    op = dilate if kind == "thicker" else erode
    return _passes(x.reshape(-1, h, w), op, float(level)).reshape(len(x), h * w)


def _passes(images: np.ndarray, op, level: float) -> np.ndarray:
    """``op`` applied ⌊level⌋ times, blended with one more pass by the fractional part."""
    whole, frac = int(np.floor(level)), level - np.floor(level)
    out = images
    for _ in range(whole):
        out = op(out)
    if frac > 0:
        out = np.float32(1 - frac) * out + np.float32(frac) * op(out)
    return out.astype(np.float32, copy=False)


def spoil_rng(seed: int, kind: str) -> np.random.Generator:
    """The random stream of ``kind`` under ``seed``: every level of a kind draws the same
    numbers, and a kind's draws do not depend on which other kinds are computed."""
    return np.random.default_rng([seed, list(SPOILERS).index(kind)])


def robustness_curves(net: Network, x: np.ndarray, y: np.ndarray,
                      kinds: Sequence[str] | None = None,
                      levels: dict[str, Sequence[float]] | None = None,
                      n: int | None = 2000, seed: int = 0,
                      progress: Callable[[int, int], None] | None = None,
                      should_stop: Callable[[], bool] | None = None,
                      image_shape=(28, 28)) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Accuracy of ``net`` on test images spoiled at each level of each kind.

    Parameters
    ----------
    net : MLP
    x : ndarray, shape (N, H·W)
    y : ndarray of int, shape (N,)
    kinds : sequence of str, optional
        Keys of :data:`SPOILERS`; default all of them.
    levels : dict of str to sequence of float, optional
        Levels per kind; a kind left out gets its default levels.
    n : int or None
        Images used: a fixed random subset of this many (in ascending index order), or all
        N when ``n`` is None or ≥ N — then level 0 gives exactly the plain test accuracy.
    seed : int
        Seeds the subset and the spoiling: the same arguments give the same curves. Every
        level of a kind draws the same random numbers (the same noise pattern, scaled by σ;
        the same rotation directions), so a curve's steps reflect the level, not the draw.
    progress : callable(done, total), optional
        Called after each level.
    should_stop : callable() -> bool, optional
        Polled before each level; when it returns True the curves computed so far are
        returned (a kind cut short has fewer levels).

    Returns
    -------
    dict of str to (levels, accuracies)
        Both ndarrays of float64, shape (L,), in the order of ``kinds``.
    """
    kinds = list(SPOILERS) if kinds is None else list(kinds)
    for kind in kinds:
        if kind not in SPOILERS:
            raise ValueError(f"unknown spoiling {kind!r}; choose one of {', '.join(SPOILERS)}")
    chosen = {k: np.asarray((levels or {}).get(k, SPOILERS[k].levels), dtype=np.float64)
              for k in kinds}
    y = np.asarray(y)
    if n is not None and n < len(x):
        subset = np.sort(np.random.default_rng(seed).choice(len(x), n, replace=False))
        x, y = x[subset], y[subset]
    total, done = sum(len(v) for v in chosen.values()), 0
    curves = {}
    clean = None  # level 0 leaves the images as they are: one pass serves every kind

    def accuracy(images) -> float:
        return float(np.mean(net.predict(images) == y)) if len(y) else float("nan")

    for kind in kinds:
        accs = []
        for level in chosen[kind]:
            if should_stop is not None and should_stop():
                break
            if level == 0:
                clean = accuracy(x) if clean is None else clean
                accs.append(clean)
            else:
                accs.append(accuracy(spoil(x, kind, level, spoil_rng(seed, kind), image_shape)))
            done += 1
            if progress is not None:
                progress(done, total)
        if accs:
            curves[kind] = (chosen[kind][:len(accs)].copy(), np.asarray(accs, dtype=np.float64))
        if len(accs) < len(chosen[kind]):
            break
    return curves
