"""On-the-fly data augmentation of image batches in pure NumPy.

Each sample of a batch ``x`` (m, H·W) gets, in this order, a rotation about the image centre
followed by a whole-pixel shift (one nearest-neighbour gather), thicker or thinner strokes
(greyscale dilation or erosion) and Gaussian pixel noise clipped to [0, 1].

Conventions, in screen coordinates (x to the right, y down, row 0 at the top): a positive
angle turns the image counter-clockwise as seen on screen (90° equals ``np.rot90``), a positive
``dx`` moves the content right and a positive ``dy`` moves it down. Pixels sourced from outside
the image are 0.

Cost is what shapes this module: the engine's training step of 784-256-128-10 at batch 128
takes ~1.6 ms here, and augmenting the batch should add at most ~20 % of it
(``benchmarks/bench_augment.py``). Hence a pool of precomputed gather indices (one ``np.take``
per batch), a precomputed noise bank read at a random offset, and morphology on the chosen
samples only.
"""

from __future__ import annotations

import functools
import numbers
import threading
from dataclasses import dataclass, fields

import numpy as np
from numpy.lib.stride_tricks import as_strided

# Re-exported: the public face of augmentation includes the specific transforms.
from nnviz.engine.image_ops import (  # noqa: F401
    as_batch,
    cross_op,
    dilate,
    erode,
    rotation_sources,
    warp,
)

MAX_ROTATION_DEG = 45
MAX_SHIFT_PX = 8
POOL_ENTRIES, POOL_ROWS = 8, 128  # transform pool: 8 x 128 x 784 intp = 6.4 MB for 28x28
_NOISE_BANK_SIZE = 1 << 18  # 1 MB of float32, drawn once (~2.5 ms)
_NOISE_RUN = 1 << 17  # noise is read in runs this long, each from a random bank offset


@dataclass(frozen=True)
class Augmentation:
    """How strongly to augment; all zero means no augmentation.

    Attributes
    ----------
    noise_std : float
        Standard deviation of the Gaussian pixel noise, in pixel units of [0, 1]; at most 1.
    max_rotation_deg : float
        Rotation drawn uniformly from the whole degrees in [-max, +max]; at most 45.
    max_shift_px : float
        Shifts in x and y drawn uniformly from the whole pixels in [-max, +max]; at most 8.
    thickness : float
        Probability that a sample's strokes are made thicker or thinner (half each); at most 1.
    """

    noise_std: float = 0.0
    max_rotation_deg: float = 0.0
    max_shift_px: float = 0.0
    thickness: float = 0.0

    def __post_init__(self):
        limits = {"noise_std": 1.0, "max_rotation_deg": MAX_ROTATION_DEG,
                  "max_shift_px": MAX_SHIFT_PX, "thickness": 1.0}
        for f in fields(self):
            value = getattr(self, f.name)
            real = isinstance(value, numbers.Real)
            # Written so that NaN fails too (every comparison with NaN is False).
            if not (real and 0 <= value <= limits[f.name]):
                raise ValueError(f"Augmentation.{f.name} must be a number in "
                                 f"[0, {limits[f.name]}], got {value!r}")

    @property
    def enabled(self) -> bool:
        """True when any augmentation is non-zero."""
        return any(getattr(self, f.name) != 0 for f in fields(self))


@dataclass(frozen=True)
class Draw:
    """The random choices for one batch, made by :meth:`Augmenter.draw`.

    Attributes
    ----------
    angle_deg, dx, dy : ndarray of int, shape (m,)
        Each sample's rotation in whole degrees, then shift in whole pixels (see module doc).
    stroke : ndarray of int8, shape (m,)
        +1 thicker, -1 thinner, 0 unchanged.
    noise_std : float
    noise_offset, noise_sign : ndarray of int, shape (r,)
        Start and sign of each run of noise read from the Augmenter's noise bank.
    pool_key : (int, int)
        Whole degrees and pixels of the transform pool the geometry comes from.
    pool_entry, pool_row : ndarray of int, shape (c,)
        For each chunk of up to 128 samples, the pool entry and its first row used.
    origin : tuple
        The drawing Augmenter's seed and image shape: only those can apply the draw.
    """

    angle_deg: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    stroke: np.ndarray
    noise_std: float
    noise_offset: np.ndarray
    noise_sign: np.ndarray
    pool_key: tuple[int, int]
    pool_entry: np.ndarray
    pool_row: np.ndarray
    origin: tuple

    def __post_init__(self):
        for name in ("angle_deg", "dx", "dy", "stroke", "noise_offset", "noise_sign",
                     "pool_entry", "pool_row"):
            getattr(self, name).setflags(write=False)


class Augmenter:
    """Applies an :class:`Augmentation` to batches; owns its rng-derived banks and buffers.

    The geometry comes from a pool of ``POOL_ENTRIES`` precomputed batch-sized gather index
    arrays, each row with its own random rotation and shift and its row offset already added,
    so a batch costs one ``np.take``. The pool is keyed by the Augmentation's whole degrees and
    pixels and rebuilt lazily (~3 ms) when they change; it is a pure function of the seed and
    the key. A training sample lands in a random row of a random entry each epoch, so its
    transform is drawn from POOL_ENTRIES x 128 pre-drawn ones. The noise bank is drawn once;
    only its scaled copy is recomputed (~0.3 ms) when ``noise_std`` changes.
    Not thread-safe: use one per thread.

    Parameters
    ----------
    image_shape : (H, W)
    seed : int or None
        Seeds the noise bank and the transform pools; per-batch choices come from each
        call's ``rng``.
    """

    def __init__(self, image_shape=(28, 28), seed: int | None = 0):
        self.image_shape = h, w = tuple(int(s) for s in image_shape)
        self._n = h * w
        self._seed = np.random.SeedSequence(seed)
        self._origin = (self._seed.entropy, self.image_shape)
        self._noise = np.random.default_rng(self._seed).standard_normal(_NOISE_BANK_SIZE,
                                                                        dtype=np.float32)
        self._scaled = (0.0, self._noise)
        self._windows = _window_view(h, w)
        self._pool_key: tuple[int, int] | None = None
        self._pool: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._src = np.zeros((POOL_ROWS, self._n + 1), dtype=np.float32)  # column n stays 0

    def __call__(self, x: np.ndarray, aug: Augmentation, rng: np.random.Generator) -> np.ndarray:
        """Augment a batch.

        Parameters
        ----------
        x : ndarray, shape (m, H·W)
            Float32 in [0, 1]; never modified, may be read-only.
        aug : Augmentation
        rng : numpy.random.Generator
            The source of every per-batch choice: same seed and state, same output.

        Returns
        -------
        ndarray of float32, shape (m, H·W)
            A new array.
        """
        x = as_batch(x, self._n)
        return self._apply(x, self.draw(len(x), aug, rng))

    def draw(self, m: int, aug: Augmentation, rng: np.random.Generator) -> Draw:
        """Draw the random choices for a batch of ``m`` samples (see :class:`Draw`)."""
        key = (int(aug.max_rotation_deg), int(aug.max_shift_px))
        angle, dx, dy, entry, row = self._draw_geometry(m, key, rng)
        stroke = np.zeros(m, dtype=np.int8)
        if aug.thickness:
            u = rng.random(m)
            stroke[u < aug.thickness] = -1
            stroke[u < aug.thickness / 2] = 1
        runs = -(-m * self._n // _NOISE_RUN) if aug.noise_std else 0
        u = rng.random((2, runs))
        offset = (u[0] * (_NOISE_BANK_SIZE - _NOISE_RUN + 1)).astype(np.int64)
        sign = np.where(u[1] < 0.5, -1, 1)
        return Draw(angle, dx, dy, stroke, float(aug.noise_std), offset, sign, key, entry, row,
                    self._origin)

    def _draw_geometry(self, m: int, key: tuple[int, int], rng: np.random.Generator):
        """Per-sample angle, dx, dy (m,) and per-chunk pool entry and first row (c,)."""
        if key == (0, 0) or m == 0:
            zeros, none = np.zeros(m, dtype=np.int64), np.zeros(0, dtype=np.int64)
            return zeros, zeros, zeros, none, none
        chunks = -(-m // POOL_ROWS)
        last = m - POOL_ROWS * (chunks - 1)
        # Integers from rng.random: a third of the cost of small rng.integers calls.
        entry = (rng.random(chunks) * POOL_ENTRIES).astype(np.int64)
        row = np.zeros(chunks, dtype=np.int64)
        row[-1] = rng.random() * (POOL_ROWS - last + 1)  # only a short last chunk can move
        _, *params = self._pool_for(key)
        if chunks == 1:
            return (*(p[entry[0], row[0]:row[0] + m] for p in params), entry, row)
        spans = list(zip(entry, row, [POOL_ROWS] * (chunks - 1) + [last], strict=True))
        angle, dx, dy = (np.concatenate([p[e, r:r + n] for e, r, n in spans]) for p in params)
        return angle, dx, dy, entry, row

    def apply(self, x: np.ndarray, draw: Draw) -> np.ndarray:
        """Apply a :class:`Draw` of this Augmenter to ``x`` (m, H·W); returns a new array."""
        x = as_batch(x, self._n)
        if len(draw.stroke) != len(x):
            raise ValueError(f"draw is for {len(draw.stroke)} samples, batch has {len(x)}")
        if draw.origin != self._origin:
            raise ValueError("draw comes from an Augmenter with another seed or image shape")
        return self._apply(x, draw)

    def _apply(self, x: np.ndarray, draw: Draw) -> np.ndarray:
        out = np.empty(x.shape, dtype=np.float32)  # C order whatever x's, for reshape(-1)
        if len(draw.pool_entry):
            self._warp(x, draw, out)
        elif draw.stroke.any() or not draw.noise_std:
            out[...] = x
        else:  # noise alone reads x directly: saves a copy
            self._add_noise(x, draw, out)
            return out
        self._strokes(out, draw.stroke)
        if draw.noise_std:
            self._add_noise(out, draw, out)
        return out

    def _pool_for(self, key: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                       np.ndarray]:
        """(index (K, 128, n) intp, angle, dx, dy (K, 128) int) for ``key``, built lazily."""
        if key != self._pool_key or self._pool is None:
            a, s = key
            rng = np.random.default_rng([a, s, *self._seed.generate_state(4)])
            angle = rng.integers(-a, a + 1, (POOL_ENTRIES, POOL_ROWS))
            dx, dy = rng.integers(-s, s + 1, (2, POOL_ENTRIES, POOL_ROWS))
            h, w = self.image_shape
            ch, cw = h + 2 * MAX_SHIFT_PX, w + 2 * MAX_SHIFT_PX
            starts = ((angle + MAX_ROTATION_DEG) * ch + MAX_SHIFT_PX - dy) * cw + MAX_SHIFT_PX - dx
            index = self._windows[starts].reshape(POOL_ENTRIES, POOL_ROWS, self._n)
            # Bake in each row's offset into the (128, n + 1) source buffer.
            index = index + (np.arange(POOL_ROWS) * (self._n + 1))[:, None]
            for array in (angle, dx, dy):  # not index: np.take copies a read-only index
                array.setflags(write=False)
            self._pool_key, self._pool = key, (index, angle, dx, dy)
        return self._pool

    def _warp(self, x: np.ndarray, draw: Draw, out: np.ndarray) -> None:
        # Nearest neighbour, not bilinear: one gather of precomputed indices costs ~0.05 ms
        # per 128 images here; bilinear needs three windows of corner indices and weights, four
        # gathers and three lerps (~0.7 ms in bench_augment.py), several times the whole budget.
        # Nearest neighbour misplaces no pixel by more than half a pixel along each axis.
        index, src, flat_src = self._pool_for(draw.pool_key)[0], self._src, self._src.reshape(-1)
        chunks = zip(draw.pool_entry.tolist(), draw.pool_row.tolist(), strict=True)
        for i, (entry, row) in enumerate(chunks):
            rows = slice(i * POOL_ROWS, min((i + 1) * POOL_ROWS, len(x)))
            n = rows.stop - rows.start
            src[row:row + n, :-1] = x[rows]
            # mode="wrap": indices are in range by construction, and it skips the slower
            # bounds-checking path of the default mode="raise" (~45 vs ~85 µs per batch).
            np.take(flat_src, index[entry, row:row + n], out=out[rows], mode="wrap")

    def _strokes(self, out: np.ndarray, stroke: np.ndarray) -> None:
        thick, thin = np.flatnonzero(stroke > 0), np.flatnonzero(stroke < 0)
        chosen = np.concatenate((thick, thin))  # only these: ~30 % of a batch at 0.3
        if not len(chosen):
            return
        h, w = self.image_shape
        images = out.reshape(-1, h, w)
        padded = np.zeros((len(chosen), h + 2, w + 2), dtype=np.float32)
        padded[:, 1:-1, 1:-1] = images[chosen]
        # Thinner is erosion, and erode(x) = -dilate(-x) (the zero border stays zero): one
        # dilation serves both once the thinned samples, stored last, are negated.
        thin_part = slice(len(thick) * padded[0].size, None)
        np.negative(padded.reshape(-1)[thin_part], out=padded.reshape(-1)[thin_part])
        result = cross_op(padded, np.maximum)
        np.negative(result.reshape(-1)[thin_part], out=result.reshape(-1)[thin_part])
        images[chosen] = result[:, 1:-1, 1:-1]

    def _add_noise(self, x: np.ndarray, draw: Draw, out: np.ndarray) -> None:
        """out = clip(x ± noise_std · bank[offset:...], 0, 1), one bank window per run."""
        std, scaled = self._scaled
        if std != draw.noise_std:
            scaled = self._noise * np.float32(draw.noise_std)
            self._scaled = (draw.noise_std, scaled)
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        for i, (offset, sign) in enumerate(zip(draw.noise_offset, draw.noise_sign, strict=True)):
            part = slice(i * _NOISE_RUN, (i + 1) * _NOISE_RUN)
            noise = scaled[offset:offset + len(flat_out[part])]
            (np.add if sign > 0 else np.subtract)(flat_x[part], noise, out=flat_out[part])
        np.clip(out, 0.0, 1.0, out=out)


@functools.lru_cache(maxsize=4)  # read-only, so Augmenters (and threads) can share it
def _window_view(h: int, w: int) -> np.ndarray:
    """Every (H, W) window of the rotation-source bank, indexed by its flat start.

    The bank holds the padded source map of each whole degree in [-45, 45] (91 x 44 x 44
    int32 for 28x28, 0.7 MB); the window starting at ``(angle + 45, 8 - dy, 8 - dx)`` is the
    map of that rotation followed by that shift, so one fancy index picks a map per sample.
    """
    angles = np.arange(-MAX_ROTATION_DEG, MAX_ROTATION_DEG + 1)
    bank = rotation_sources(angles, (h, w), MAX_SHIFT_PX).reshape(-1)
    cw = w + 2 * MAX_SHIFT_PX
    count = bank.size - ((h - 1) * cw + w) + 1
    step = bank.itemsize
    return as_strided(bank, (count, h, w), (step, cw * step, step), writeable=False)


_local = threading.local()


def augment(x: np.ndarray, aug: Augmentation, rng: np.random.Generator,
            image_shape=(28, 28)) -> np.ndarray:
    """One-shot :class:`Augmenter` call, with a default Augmenter (seed 0) cached per thread.

    Parameters
    ----------
    x : ndarray, shape (m, H·W)
    aug : Augmentation
    rng : numpy.random.Generator
    image_shape : (H, W)

    Returns
    -------
    ndarray of float32, shape (m, H·W)
    """
    cache = _local.__dict__.setdefault("augmenters", {})
    key = tuple(image_shape)
    if key not in cache:
        cache[key] = Augmenter(key, seed=0)
    return cache[key](x, aug, rng)
