"""Convolution, pooling and flatten layers on batch-major NHWC maps.

A map is ``(m, H, W, C)``: batch, height, width, channels, channels last. In this layout the
k×k×C patch under every output pixel is a strided *view* of the (padded) input
(:func:`im2col`), and the convolution is one GEMM of the patches ``(m·Ho·Wo, k·k·C)`` with the
kernels ``(C_out, k·k·C)`` whose result is already the NHWC output. Backward is one GEMM for
``dW`` and, for the input gradient, k² small GEMMs, one per kernel offset, each added onto
the pixels it touched by one slice-add (:func:`col2im_gemm`): never a loop over pixels or
examples. A one-channel input (the first layer on greyscale images) takes its patches as
columns instead (:func:`im2col_t`), and every ``db`` is a GEMV (:func:`sum_rows`).

``W`` of a convolution is ``(C_out, k, k, C_in)``; ``W``, ``b``, ``dW`` and ``db`` are views
into the owning network's flat buffers, as for :class:`nnviz.engine.layers.Dense`.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from nnviz.engine.activations import Activation

PADDINGS = ("same", "valid")


def conv_geometry(size: int, k: int, stride: int, padding: str) -> tuple[int, int, int]:
    """Output size and (before, after) padding of one spatial axis of ``size`` pixels.

    ``same`` gives ``ceil(size / stride)`` outputs with the padding split as evenly as
    possible, the extra pixel after (TensorFlow's rule); ``valid`` gives
    ``(size − k) // stride + 1`` without padding. Raises ``ValueError`` if no output fits.
    """
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + k - size, 0)
        return out, total // 2, total - total // 2
    if padding == "valid":
        if k > size:
            raise ValueError(f"a {k}×{k} kernel is larger than the {size}×{size} map "
                             "(use 'same' padding or a smaller kernel)")
        return (size - k) // stride + 1, 0, 0
    raise ValueError(f"padding must be one of {', '.join(PADDINGS)}, got {padding!r}")


def im2col(xp: np.ndarray, k: int, stride: int, out_hw: tuple[int, int]) -> np.ndarray:
    """Patches of a padded map as rows: ``(m·Ho·Wo, k·k·C)``, ordered (kh, kw, c).

    Parameters
    ----------
    xp : ndarray, shape (m, Hp, Wp, C), C-contiguous
    """
    m, _, _, c = xp.shape
    ho, wo = out_hw
    sm, sh, sw, sc = xp.strides
    view = as_strided(xp, (m, ho, wo, k, k, c), (sm, sh * stride, sw * stride, sh, sw, sc),
                      writeable=False)
    return view.reshape(m * ho * wo, k * k * c)  # the one copy of the forward pass


def im2col_t(xp: np.ndarray, k: int, stride: int, out_hw: tuple[int, int]) -> np.ndarray:
    """Patches of a one-channel padded map as columns, and a row of ones: ``(k·k + 1,
    m·Ho·Wo)``, rows (kh, kw) then the ones.

    The transpose of :func:`im2col` for ``C = 1``, built as k² shifted copies of the image
    whose runs are whole output rows (Wo pixels) instead of im2col's runs of k pixels: ~3×
    faster for a first layer, and BLAS reads either operand transposed at the same speed.
    The ones row lets the GEMM add the bias and the backward GEMM sum ``db``: on the
    largest map, each is a pass less.

    Parameters
    ----------
    xp : ndarray, shape (m, Hp, Wp, 1)
    """
    m = len(xp)
    ho, wo = out_hw
    sm, sh, sw, _ = xp.strides
    view = as_strided(xp, (k, k, m, ho, wo), (sh, sw, sm, sh * stride, sw * stride),
                      writeable=False)
    cols = np.empty((k * k + 1, m * ho * wo), dtype=xp.dtype)
    np.copyto(cols[:-1].reshape(view.shape), view)
    cols[-1] = 1
    return cols


def sum_rows(d: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = Σ_i d[i]`` for ``d`` (n, C) as the GEMV ``1ᵀ·d``: on a tall, thin ``d``
    ``np.sum(axis=0)`` is ~10× slower (it reduces across a short inner axis)."""
    n = len(d)
    ones = _ONES.get(d.dtype)
    if ones is None or len(ones) < n:
        ones = _ONES[d.dtype] = np.ones(n, dtype=d.dtype)
    return np.matmul(ones[:n], d, out=out)


_ONES: dict[np.dtype, np.ndarray] = {}  # the longest ones vector sum_rows needed, per dtype


def col2im_gemm(delta: np.ndarray, W: np.ndarray, padded_shape, stride: int) -> np.ndarray:
    """``∂L/∂x_padded`` (m, Hp, Wp, C_in): the adjoint of :func:`im2col` followed by the GEMM.

    For each of the k² kernel offsets (i, j), one GEMM ``δ · W[:, i, j, :]`` (m·Ho·Wo, C_in)
    is added onto the input pixels that offset touched — a slice-add whose source is
    contiguous. (Computing all patch gradients in one GEMM and scattering them is ~9× slower:
    the scatter reads them with a stride of k·k·C_in.)

    Parameters
    ----------
    delta : ndarray, shape (m·Ho·Wo, C_out)
    W : ndarray, shape (C_out, k, k, C_in)
    """
    m = padded_shape[0]
    k, c = W.shape[1], W.shape[3]
    dxp = np.zeros(padded_shape, dtype=delta.dtype)
    _, hp, wp, _ = padded_shape
    ho, wo = (hp - k) // stride + 1, (wp - k) // stride + 1
    for i in range(k):
        for j in range(k):
            dxp[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride, :] \
                += (delta @ W[:, i, j, :]).reshape(m, ho, wo, c)
    return dxp


class Conv2D:
    """``z = W ⋆ x + b`` over k×k patches, ``a = f(z)``.

    Parameters
    ----------
    W : ndarray, shape (C_out, k, k, C_in)
    b : ndarray, shape (C_out,)
    dW, db : ndarray
        Gradient buffers of the same shapes.
    activation : Activation
    in_shape : (H, W, C_in)
    stride : 1 or 2
    padding : 'same' or 'valid'

    Attributes
    ----------
    x, z, a, out, delta : ndarray or None
        Last pass: input (m, H, W, C_in), ``z``/``a``/``out``/``δ`` (m, Ho, Wo, C_out).
    """

    kind = "conv"

    def __init__(self, W, b, dW, db, activation: Activation, in_shape, stride: int = 1,
                 padding: str = "same"):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.activation = activation
        self.k, self.stride, self.padding = W.shape[1], int(stride), padding
        self.in_shape = tuple(in_shape)
        h, w, _ = self.in_shape
        ho, self._pt, self._pb = conv_geometry(h, self.k, self.stride, padding)
        wo, self._pl, self._pr = conv_geometry(w, self.k, self.stride, padding)
        self.out_shape = (ho, wo, W.shape[0])
        self._W2 = W.reshape(W.shape[0], -1)   # (C_out, k·k·C_in) views, no copy
        self._dW2 = dW.reshape(dW.shape[0], -1)
        self._one_channel = W.shape[3] == 1
        self.x: np.ndarray | None = None
        self.z: np.ndarray | None = None
        self.a: np.ndarray | None = None
        self.out: np.ndarray | None = None
        self.delta: np.ndarray | None = None
        self._cols: np.ndarray | None = None

    @property
    def n_in(self) -> int:
        """Fan-in of one output unit: k·k·C_in (what He/Xavier scale by)."""
        return self._W2.shape[1]

    @property
    def n_out(self) -> int:
        return self.W.shape[0]

    def _pad(self, x: np.ndarray) -> np.ndarray:
        if not (self._pt or self._pb or self._pl or self._pr):
            return np.ascontiguousarray(x)
        m, h, w, c = x.shape
        xp = np.zeros((m, h + self._pt + self._pb, w + self._pl + self._pr, c), dtype=x.dtype)
        xp[:, self._pt:self._pt + h, self._pl:self._pl + w] = x
        return xp

    def pre_activation(self, x: np.ndarray, cols_out: list | None = None) -> np.ndarray:
        """``z`` (m, Ho, Wo, C_out) for ``x`` (m, H, W, C_in); appends the patches to
        ``cols_out`` when given (backward needs them)."""
        xp = self._pad(x)
        if self._one_channel:  # cols is (k·k + 1, m·Ho·Wo): see im2col_t
            cols = im2col_t(xp, self.k, self.stride, self.out_shape[:2])
            z = cols.T @ np.column_stack((self._W2, self.b)).T
        else:
            cols = im2col(xp, self.k, self.stride, self.out_shape[:2])
            z = cols @ self._W2.T
            z += self.b
        if cols_out is not None:
            cols_out.append(cols)
        return z.reshape(len(x), *self.out_shape)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``a`` without caching anything (evaluation)."""
        return self.activation.forward(self.pre_activation(x))

    def forward(self, x: np.ndarray, dropout: float = 0.0, rng=None) -> np.ndarray:
        """Compute and cache ``z`` and ``a`` (m, Ho, Wo, C_out); dropout is not applied."""
        cols: list[np.ndarray] = []
        z = self.pre_activation(x, cols)
        self._cols = cols[0]
        self.x, self.z = x, z
        self.a = self.out = a = self.activation.forward(z)
        return a

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True,
                 is_delta: bool = False):
        """Fill ``dW``, ``db`` from ``∂L/∂a`` (m, Ho, Wo, C_out), or from ``∂L/∂z`` when
        ``is_delta`` (the caller applied f′); return ``∂L/∂x`` (m, H, W, C_in) or None.
        ``grad_out`` may be overwritten."""
        if self.z is None or self.a is None or self._cols is None:
            raise RuntimeError("backward() before forward()")
        delta = grad_out if is_delta else self.activation.backward(grad_out, self.z, self.a)
        self.delta = delta
        d = delta.reshape(-1, self.n_out)
        if self._one_channel:  # [dW db]ᵀ = cols·δ, the faster of the two orientations
            g = self._cols @ d
            self._dW2.T[...], self.db[...] = g[:-1], g[-1]
        else:
            np.matmul(d.T, self._cols, out=self._dW2)
            sum_rows(d, self.db)
        if not need_input_grad:
            return None
        h, w, c = self.in_shape
        shape = (len(delta), h + self._pt + self._pb, w + self._pl + self._pr, c)
        dxp = col2im_gemm(d, self.W, shape, self.stride)
        return dxp[:, self._pt:self._pt + h, self._pl:self._pl + w]

    def clear_cache(self) -> None:
        self.x = self.z = self.a = self.out = self.delta = None
        self._cols = None


class Pool2D:
    """Max or average pooling over non-overlapping p×p windows (stride p).

    The map's height and width must be multiples of ``p``. For max pooling ``argmax``
    (m, Ho, Wo, C) holds, after a forward pass, the position ``0 … p²−1`` (row-major in the
    window) of the maximum that δ is routed back to; the first maximum wins a tie.
    """

    kind = "pool"

    def __init__(self, in_shape, size: int = 2, mode: str = "max"):
        h, w, c = self.in_shape = tuple(in_shape)
        if mode not in ("max", "avg"):
            raise ValueError(f"pooling must be max or avg, got {mode!r}")
        if h % size or w % size:
            raise ValueError(f"{size}×{size} pooling needs a map whose sides are multiples of "
                             f"{size}, got {h}×{w}")
        self.size, self.mode = int(size), mode
        self.out_shape = (h // size, w // size, c)
        self.activation = None
        self.x: np.ndarray | None = None
        self.out: np.ndarray | None = None
        self.argmax: np.ndarray | None = None

    @property
    def z(self):
        return self.out

    @property
    def a(self):
        return self.out

    def _window(self, x: np.ndarray, i: int, j: int) -> np.ndarray:
        """(m, Ho, Wo, C) view: the pixel at offset (i, j) of every window."""
        p = self.size
        return x[:, i::p, j::p, :]

    def apply(self, x: np.ndarray) -> np.ndarray:
        m, p = len(x), self.size
        ho, wo, c = self.out_shape
        xr = x.reshape(m, ho, p, wo, p, c)
        return xr.max(axis=(2, 4)) if self.mode == "max" else xr.mean(axis=(2, 4))

    def forward(self, x: np.ndarray, dropout: float = 0.0, rng=None) -> np.ndarray:
        self.x = x
        if self.mode != "max":
            self.out = mean = self.apply(x)
            return mean
        # A few passes per window offset over strided views (p² of them, not a loop over
        # pixels), ~4× faster than an argmax over a transposed copy of the windows; argmax is
        # updated arithmetically (argmax += bigger·(k − argmax)) because masked writes
        # (copyto/where) cost 8× more. Later offsets win only if strictly larger: the first
        # maximum wins a tie.
        p = self.size
        out = self._window(x, 0, 0).copy()
        dtype = np.uint16 if p * p > 255 else np.uint8
        argmax = np.zeros(out.shape, dtype=dtype)
        bigger, step = np.empty(out.shape, dtype=bool), np.empty(out.shape, dtype=dtype)
        for k in range(1, p * p):
            v = self._window(x, *divmod(k, p))
            np.greater(v, out, out=bigger)
            np.maximum(out, v, out=out)
            np.subtract(dtype(k), argmax, out=step)
            np.multiply(step, bigger, out=step)
            argmax += step
        self.out, self.argmax = out, argmax
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        """``∂L/∂x`` (m, H, W, C): max routes each δ to its argmax, avg spreads it by 1/p²."""
        if not need_input_grad:
            return None
        p = self.size
        dx = np.empty((len(grad_out), *self.in_shape), dtype=grad_out.dtype)
        if self.mode == "avg":
            g = grad_out * grad_out.dtype.type(1.0 / (p * p))
        for k in range(p * p):
            dst = self._window(dx, *divmod(k, p))
            if self.mode == "max":
                np.multiply(grad_out, self.argmax == k, out=dst)
            else:
                dst[...] = g
        return dx

    def clear_cache(self) -> None:
        self.x = self.out = self.argmax = None


class Flatten:
    """(m, H, W, C) → (m, H·W·C), in NHWC order (a view, no copy)."""

    kind = "flatten"

    def __init__(self, in_shape):
        self.in_shape = tuple(in_shape)
        self.out_shape = (int(np.prod(self.in_shape)),)
        self.activation = None
        self.x = self.out = None

    z = a = property(lambda self: self.out)

    def apply(self, x):
        return x.reshape(len(x), -1)

    def forward(self, x, dropout: float = 0.0, rng=None):
        self.x = x
        self.out = x.reshape(len(x), -1)
        return self.out

    def backward(self, grad_out, need_input_grad: bool = True):
        return grad_out.reshape(len(grad_out), *self.in_shape) if need_input_grad else None

    def clear_cache(self) -> None:
        self.x = self.out = None
