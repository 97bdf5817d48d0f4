"""Maps of the representation: test images placed in 2-D as one layer of the network sees them.

A layer's view of an image is its activation vector ``a^l``; two images the layer finds alike
have nearby vectors. :func:`pca_2d` projects those vectors onto their two directions of largest
variance (linear, exact, milliseconds); :func:`tsne_2d` (openTSNE) keeps each point's nearest
neighbours near, which shows clusters a projection folds on top of each other (seconds).

Successive maps of the same points (one per epoch) follow each other: a PCA is turned within
its plane to match the previous map (:func:`procrustes_rotation`), a t-SNE starts from it. Else
the picture would mirror, rotate or reshuffle its clusters from one epoch to the next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nnviz.engine.convnet import Network
from nnviz.engine.losses import softmax
from nnviz.engine.snapshot import frozen


class Cancelled(Exception):
    """A computation stopped because its ``should_stop()`` returned True."""


def layer_names(sizes) -> list[str]:
    """What each layer index of :func:`layer_features` is called, e.g. for (784, 256, 10):
    ``["pixels", "hidden 1 (256)", "output"]``."""
    hidden = [f"hidden {l} ({n})" for l, n in enumerate(sizes[1:-1], 1)]
    return ["pixels", *hidden, "output"]


def layer_features(net: Network, x: np.ndarray, layer: int, batch_size: int = 2048) -> np.ndarray:
    """The vectors a layer of ``net`` sees for inputs ``x``.

    Parameters
    ----------
    net : MLP
        With L layers (``len(net.layers)``), numbered from 1.
    x : ndarray, shape (n, n_in)
    layer : int
        0 for the inputs themselves (pixels), 1 … L−1 for the hidden activations ``a^l``,
        L for the output — as softmax probabilities (what the network answers), not logits.

    Returns
    -------
    ndarray of float32, shape (n, d)
        d is ``net.sizes[layer]``.
    """
    n_layers = len(net.layers)
    if not 0 <= layer <= n_layers:
        raise ValueError(f"layer must be 0 … {n_layers}, got {layer}")
    x = np.asarray(x, dtype=net.dtype)
    if layer == 0:
        return x.astype(np.float32, copy=True)
    out = np.empty((len(x), net.sizes[layer]), dtype=np.float32)
    for s in range(0, len(x), batch_size):
        a = x[s:s + batch_size]
        if hasattr(net, "stack"):  # a ConvNet: its layer's maps, flattened (H·W·C)
            a = net.hidden_activations(a)[layer - 1]
        for L in () if hasattr(net, "stack") else net.layers[:layer]:
            a = L.activation.forward(a @ L.W.T + L.b)
        out[s:s + batch_size] = softmax(a) if layer == n_layers else a
    return out


SUBSET_SEED = 0  # the same images on every map, so maps of successive epochs compare


def choose_subset(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` examples, as equal a number per class as the data allows.

    Deterministic for a given ``seed``; sorted, so the subset reads in dataset order. Classes
    with too few examples give all they have and the others make up the difference.

    Parameters
    ----------
    y : ndarray of int, shape (m,)
    n : int

    Returns
    -------
    ndarray of int64, shape (min(n, m),)
    """
    y = np.asarray(y)
    n = min(int(n), len(y))
    rng = np.random.default_rng(seed)
    pools = [rng.permutation(np.flatnonzero(y == k)) for k in np.unique(y)]
    take = np.zeros(len(pools), dtype=np.int64)
    sizes = np.array([len(p) for p in pools])
    while take.sum() < n:  # water-filling: share what is left among classes not yet empty
        open_ = np.flatnonzero(take < sizes)
        share = max((n - int(take.sum())) // len(open_), 1)
        for k in open_:
            if take.sum() == n:
                break
            take[k] = min(take[k] + share, sizes[k])
    chosen = [p[:t] for p, t in zip(pools, take, strict=True)]
    return np.sort(np.concatenate(chosen)).astype(np.int64)


class PCA2D(NamedTuple):
    """The result of :func:`pca_2d`: ``coords`` (n, 2) and ``explained`` (2,), the share of the
    total variance along each axis."""

    coords: np.ndarray
    explained: np.ndarray


def pca_2d(X: np.ndarray, previous: np.ndarray | None = None) -> PCA2D:
    """Project ``X`` (n, d) onto its first two principal axes (SVD of the centred data).

    The sign of each axis is fixed so that its largest-magnitude loading is positive: the
    same data always gives the same picture, not a mirror image of it. With ``previous``, a
    map of the same points (e.g. one epoch earlier), the projection is then turned and/or
    mirrored within the principal plane to match it as closely as it can
    (:func:`procrustes_rotation`): distances stay exact, the axes are no longer PC 1 and 2.

    Returns
    -------
    PCA2D
        ``coords`` float64 (n, 2), ``explained`` float64 (2,) in [0, 1]: the share of the
        variance along each axis drawn (zeros for constant data; the second axis is zero
        when d = 1).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) < 2:
        raise ValueError(f"pca_2d needs an (n ≥ 2, d) array, got shape {X.shape}")
    Xc = X - X.mean(axis=0)
    # Xc = QR and R (d, d) have the same singular values and right singular vectors: for
    # n > d the small SVD after a QR is ~1.5× quicker than the thin SVD of Xc itself.
    small = np.linalg.qr(Xc, mode="r") if len(Xc) > Xc.shape[1] else Xc
    _, s, Vt = np.linalg.svd(small, full_matrices=False)
    k = min(2, len(s))
    axes = Vt[:k]
    biggest = np.abs(axes).argmax(axis=1)
    axes = axes * np.sign(axes[np.arange(k), biggest])[:, None]
    coords = np.zeros((len(X), 2))
    coords[:, :k] = Xc @ axes.T
    if previous is not None:
        coords = coords @ procrustes_rotation(coords, previous)
    total = float((s ** 2).sum())
    # The coordinates are centred: the sum of squares along an axis is its variance · n.
    explained = (coords ** 2).sum(axis=0) / total if total > 0 else np.zeros(2)
    return PCA2D(coords, explained)


def procrustes_rotation(coords: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """The orthogonal 2 × 2 matrix R (a rotation, possibly with a mirror) that brings
    ``coords`` closest to ``previous``: it minimises ‖(coords − c̄)·R − (previous − p̄)‖
    (orthogonal Procrustes: R = U·Vᵀ from the SVD of the 2 × 2 cross-covariance).

    Parameters
    ----------
    coords, previous : ndarray, shape (n, 2)
        Two maps of the same n points, row for row.

    Returns
    -------
    ndarray of float64, shape (2, 2)
        The identity when the maps share no direction (e.g. either is a single point).
    """
    A = np.asarray(coords, dtype=np.float64)
    B = np.asarray(previous, dtype=np.float64)
    if A.shape != B.shape or A.ndim != 2 or A.shape[1] != 2:
        raise ValueError(f"maps of the same points needed, got shapes {A.shape} and {B.shape}")
    M = (A - A.mean(axis=0)).T @ (B - B.mean(axis=0))
    if not np.abs(M).max() > 0:
        return np.eye(2)
    u, _, vt = np.linalg.svd(M)
    return u @ vt


TSNE_EARLY_ITER, TSNE_ITER = 250, 500  # openTSNE's defaults: exaggerated, then plain
INIT_STD = 1e-4  # openTSNE: "a custom initialization … should have std(Y) < 0.0001"


def tsne_2d(X: np.ndarray, seed: int = 0, progress: Callable | None = None,
            should_stop: Callable[[], bool] | None = None, *, init: np.ndarray | None = None,
            perplexity: float = 30.0, early_iter: int | None = None, n_iter: int = TSNE_ITER,
            every: int = 10) -> np.ndarray:
    """A t-SNE map of ``X`` (n, d) by openTSNE, initialised from :func:`pca_2d` or ``init``.

    Exact neighbours (quicker than openTSNE's approximate search below ~5,000 points, and
    exact), one thread, a fixed ``seed``: the same input gives the same map in the same
    thread. t-SNE amplifies last-bit differences (BLAS's thread count, a thread's
    floating-point mode), so elsewhere the picture may differ while the neighbourhoods stay.
    The neighbour search cannot be interrupted; the optimisation then reports and checks
    ``should_stop`` every ``every`` iterations.

    Parameters
    ----------
    progress : callable ``(done, total)``, optional
        Iterations done of ``early_iter + n_iter``.
    should_stop : callable ``() -> bool``, optional
        Polled with each report; True ends the optimisation and raises :class:`Cancelled`.
    init : ndarray, shape (n, 2), optional
        A previous map of the same points (e.g. of the same layer one epoch earlier) to
        start from instead of PCA: its clusters then stay where they were. Scaled down as
        openTSNE asks of a custom start (std ``INIT_STD`` along the first axis).
    perplexity : float
        Roughly the number of neighbours each point keeps close; lowered to (n − 1) / 3
        for small n.
    early_iter : int, optional
        Iterations of early exaggeration; by default ``TSNE_EARLY_ITER`` from PCA and none
        from ``init``. Exaggeration gathers clusters from a start that has none; from a
        map that has them it moved them (MNIST, epoch 1 → 2, 2,000 points: class centres
        moved 0.30 of the map's radius with it, 0.05 without, with the same neighbourhoods).

    Returns
    -------
    ndarray of float64, shape (n, 2)
    """
    from openTSNE import TSNE  # ~1 s to import (scikit-learn): only when a map asks for it

    X = np.ascontiguousarray(X, dtype=np.float64)
    if len(X) < 4:
        raise ValueError(f"t-SNE needs at least 4 points, got {len(X)}")
    if init is None:
        start = pca_2d(X).coords  # openTSNE's own PCA start, with our sign convention
    else:
        start = np.array(init, dtype=np.float64)
        if start.shape != (len(X), 2):
            raise ValueError(f"init must have shape {(len(X), 2)}, got {start.shape}")
        start -= start.mean(axis=0)
    if early_iter is None:
        early_iter = TSNE_EARLY_ITER if init is None else 0
    stop = should_stop or (lambda: False)
    tracker = _Tracker(progress, stop, early_iter + n_iter)
    start *= INIT_STD / max(float(start[:, 0].std()), 1e-12)
    start += np.random.default_rng(seed).normal(0, 1e-2 * INIT_STD, start.shape)  # no ties
    tsne = TSNE(perplexity=min(perplexity, (len(X) - 1) / 3), initialization=start,
                early_exaggeration_iter=early_iter, n_iter=n_iter, random_state=seed, n_jobs=1,
                neighbors="exact",
                callbacks=tracker, callbacks_every_iters=every)
    if progress is not None:
        progress(0, tracker.total)
    Y = tsne.fit(X)
    if tracker.stopped:
        raise Cancelled("t-SNE cancelled")
    return np.array(Y, dtype=np.float64)


METHODS = ("pca", "tsne")


@dataclass(frozen=True)
class LayerMap:
    """A 2-D map of some test images as one layer sees them.

    Attributes
    ----------
    layer : int
        As in :func:`layer_features` (0 pixels … L output).
    method : str
        ``pca`` or ``tsne``.
    indices : ndarray of int64, shape (n,)
        The images mapped (rows of the ``x`` given to :func:`map_layer`).
    coords : ndarray of float64, shape (n, 2)
    explained : ndarray of float64, shape (2,) or None
        PCA only: the share of the variance along each axis.
    probabilities : ndarray of float32, shape (n, K)
        The network's softmax output for each image: its answer and confidence.
    follows_previous : bool
        Made to follow a previous map of the same images: a t-SNE started from it, a PCA
        turned within its plane to match it.
    """

    layer: int
    method: str
    indices: np.ndarray
    coords: np.ndarray
    explained: np.ndarray | None
    probabilities: np.ndarray
    follows_previous: bool = False

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)


def map_layer(net: Network, x: np.ndarray, indices: np.ndarray, layer: int, method: str = "pca",
              seed: int = 0, progress: Callable | None = None,
              should_stop: Callable[[], bool] | None = None,
              previous: np.ndarray | None = None) -> LayerMap:
    """Features of ``x[indices]`` at ``layer`` mapped to 2-D by ``method`` (``pca``/``tsne``);
    ``progress`` and ``should_stop`` as in :func:`tsne_2d` (PCA is too quick to need them).
    ``previous`` (n, 2), the coordinates of an earlier map of the same images row for row,
    makes this one follow it (``init`` of :func:`tsne_2d`, ``previous`` of :func:`pca_2d`).
    Arrays of the result are read-only: it may cross threads (a pipe drops the flag)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    indices = np.asarray(indices, dtype=np.int64)
    xs = np.asarray(x)[indices]
    if not 0 <= layer <= len(net.layers):
        raise ValueError(f"layer must be 0 … {len(net.layers)}, got {layer}")
    # One pass gives both the layer's features and the answers.
    acts = net.hidden_activations(xs)
    probabilities = softmax(acts[-1]).astype(np.float32)
    features = (np.asarray(xs, dtype=np.float32) if layer == 0 else
                probabilities if layer == len(net.layers) else acts[layer - 1].astype(np.float32))
    explained = None
    if method == "pca":
        coords, explained = pca_2d(features, previous)
    else:
        coords = tsne_2d(features, seed, progress, should_stop, init=previous)
    return LayerMap(layer, method, frozen(indices), frozen(coords), frozen(explained),
                    frozen(probabilities), follows_previous=previous is not None)


class _Tracker:
    """openTSNE callback: iteration numbers restart with each phase; this counts across."""

    def __init__(self, progress, should_stop, total: int):
        self.progress, self.should_stop, self.total = progress, should_stop, total
        self.before = self.last = 0
        self.stopped = False

    def optimization_about_to_start(self) -> None:
        self.before += self.last
        self.last = 0

    def __call__(self, iteration: int, error: float, embedding) -> bool:
        self.last = iteration
        if self.progress is not None:
            self.progress(self.before + iteration, self.total)
        self.stopped = bool(self.should_stop())
        return self.stopped
