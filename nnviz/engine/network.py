"""The multilayer perceptron: a stack of :class:`Dense` layers over one flat parameter buffer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnviz.engine.activations import Activation, Identity, get_activation
from nnviz.engine.init import init_weights
from nnviz.engine.layers import Dense
from nnviz.engine.losses import Loss, get_loss, softmax


class NamedParameters:
    """``W1, b1, W2, …`` of ``self.layers`` (each with ``W``, ``b``, ``dW``, ``db``): what an
    MLP and a ConvNet share."""

    layers: Sequence

    def parameters(self) -> dict[str, np.ndarray]:
        """``{"W1": W¹, "b1": b¹, …}`` — live views, layers numbered from 1 as in the math."""
        return {f"{k}{i}": v for i, L in enumerate(self.layers, 1)
                for k, v in (("W", L.W), ("b", L.b))}

    def gradients(self) -> dict[str, np.ndarray]:
        """``{"W1": ∂L/∂W¹, "b1": ∂L/∂b¹, …}`` from the last :meth:`backward` (live views)."""
        return {f"{k}{i}": v for i, L in enumerate(self.layers, 1)
                for k, v in (("W", L.dW), ("b", L.db))}

    def set_parameters(self, params: dict[str, np.ndarray]) -> None:
        """Copy arrays into the parameters; shapes must match exactly."""
        own = self.parameters()
        for key, arr in params.items():
            if key not in own:
                raise ValueError(f"unknown parameter {key!r}; this network has {', '.join(own)}")
            if np.shape(arr) != own[key].shape:
                raise ValueError(f"{key}: shape {np.shape(arr)} does not match {own[key].shape}")
            own[key][...] = arr


class MLP(NamedParameters):
    """A fully connected network ``sizes[0] → … → sizes[-1]`` with a linear output layer.

    Softmax is part of the loss (and of :meth:`predict_proba`), so the last layer returns
    logits. All weights and biases live in one contiguous buffer ``theta`` and their
    gradients in ``grad``; each layer's ``W``, ``b``, ``dW``, ``db`` are views into them.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths including input and output, e.g. ``(784, 256, 128, 10)``.
    activation : str or sequence of str
        Hidden-layer activation, one name for all or one per hidden layer.
    init : str
        ``he``, ``xavier``, ``uniform`` or ``normal`` (see :mod:`nnviz.engine.init`).
    init_scale : float
        Multiplies the initial weights. Biases start at zero.
    seed : int or None
        Seed of the initial weights.
    dtype : numpy dtype
        ``float32`` for training, ``float64`` for gradient checks.
    initialize : bool
        False leaves every parameter zero (the caller copies weights in).
    """

    def __init__(self, sizes: Sequence[int], activation="relu", init="he",
                 init_scale: float = 1.0, seed: int | None = 0, dtype=np.float32, *,
                 initialize: bool = True):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"an MLP needs at least an input and an output size ≥ 1, got {sizes}")
        n_hidden = len(sizes) - 2
        names = ([activation] * n_hidden if isinstance(activation, (str, Activation))
                 else list(activation))
        if len(names) != n_hidden:
            raise ValueError(f"{len(names)} activations given for {n_hidden} hidden layers")
        self.sizes = sizes
        self.activations: list[Activation] = [get_activation(a) for a in names] + [Identity()]
        self.init, self.init_scale, self.dtype = str(init), float(init_scale), np.dtype(dtype)
        shapes = [(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        total = sum(o * i + o for o, i in shapes)
        self.theta = np.zeros(total, dtype=self.dtype)
        self.grad = np.zeros(total, dtype=self.dtype)
        self.layers: list[Dense] = []
        offset = 0
        for (n_out, n_in), act in zip(shapes, self.activations):
            views = []
            for buf in (self.theta, self.grad):
                W = buf[offset:offset + n_out * n_in].reshape(n_out, n_in)
                b = buf[offset + n_out * n_in:offset + n_out * n_in + n_out]
                views.append((W, b))
            (W, b), (dW, db) = views
            self.layers.append(Dense(W, b, dW, db, act))
            offset += n_out * n_in + n_out
        if initialize:  # False when the weights are copied in next: drawing them costs ~3 ms
            self.reinitialize(seed)

    # -- construction and state ---------------------------------------------------------

    def reinitialize(self, seed: int | None = 0) -> None:
        """Draw fresh weights (zero biases) from ``init`` with the given seed."""
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            layer.W[...] = init_weights(self.init, rng, layer.n_in, layer.n_out,
                                        self.init_scale, self.dtype)
            layer.b[...] = 0

    @property
    def activation_names(self) -> list[str]:
        """Names of the hidden layers' activations (the output layer is always identity)."""
        return [a.name for a in self.activations[:-1]]

    def architecture(self) -> dict:
        """What is needed to rebuild this network: sizes, activations, init, dtype."""
        return {"sizes": list(self.sizes), "activations": self.activation_names,
                "init": self.init, "init_scale": self.init_scale, "dtype": self.dtype.name}

    @classmethod
    def from_architecture(cls, arch: dict, params: dict[str, np.ndarray] | None = None) -> "MLP":
        """Inverse of :meth:`architecture`, optionally with parameters (``{"W1": …}``) copied in.

        Raises ``KeyError``/``TypeError``/``ValueError`` for a malformed ``arch``."""
        net = cls(arch["sizes"], arch["activations"], arch.get("init", "he"),
                  arch.get("init_scale", 1.0), seed=None,
                  dtype=np.dtype(arch.get("dtype", "float32")), initialize=params is None)
        if params is not None:
            net.set_parameters(params)
        return net

    def copy(self) -> "MLP":
        """An independent network with the same architecture and parameters."""
        twin = MLP(self.sizes, self.activation_names, self.init, self.init_scale, None, self.dtype,
                   initialize=False)
        twin.theta[...] = self.theta
        return twin

    @property
    def n_parameters(self) -> int:
        return self.theta.size

    # -- computation --------------------------------------------------------------------

    def forward(self, x: np.ndarray, dropout: float = 0.0, rng=None) -> np.ndarray:
        """Logits ``z^L`` (m, K) for inputs ``x`` (m, n_in); caches every layer's values.

        ``dropout`` applies to the hidden layers' outputs only (training).
        """
        a = x
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            a = layer.forward(a, dropout if i < last else 0.0, rng)
        return a

    def backward(self, delta_out: np.ndarray, need_input_grad: bool = False):
        """Backpropagate the output delta ``∂L/∂z^L`` (m, K), filling every ``dW``/``db``.

        Returns ``∂L/∂x`` (m, n_in) when ``need_input_grad``, else None.
        """
        grad = delta_out
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad, need_input_grad=i > 0 or need_input_grad)
        return grad

    def loss_and_gradients(self, x, y, loss: Loss | str = "cross_entropy",
                           dropout: float = 0.0, rng=None) -> float:
        """One forward and backward pass on a batch; returns the batch-mean loss.

        Parameters
        ----------
        x : ndarray, shape (m, n_in)
        y : ndarray of int, shape (m,)
        """
        z = self.forward(x, dropout, rng)
        value, delta = get_loss(loss).value_and_delta(z, y)
        self.backward(delta)
        return value

    def predict_proba(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Softmax probabilities (m, K), computed in batches without touching the caches."""
        x = np.atleast_2d(x)
        out = np.empty((len(x), self.sizes[-1]), dtype=self.dtype)
        for start in range(0, len(x), batch_size):
            out[start:start + batch_size] = softmax(self.logits(x[start:start + batch_size]))
        return out

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Output logits (m, K) without dropout and without caching (safe for evaluation)."""
        a = np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            z = a @ layer.W.T
            z += layer.b
            a = layer.activation.forward(z)
        return a

    def hidden_activations(self, x: np.ndarray) -> list[np.ndarray]:
        """Every layer's activation for ``x`` (m, n_in): a list of (m, n_l), output last."""
        acts, a = [], np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            z = a @ layer.W.T
            z += layer.b
            a = layer.activation.forward(z)
            acts.append(a)
        return acts

    def predict(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Predicted class per row of ``x``: int array (m,)."""
        return self.predict_proba(x, batch_size).argmax(axis=1)

    def clear_caches(self) -> None:
        for layer in self.layers:
            layer.clear_cache()

    def __repr__(self) -> str:
        acts = "/".join(self.activation_names) or "none"
        return f"MLP({'-'.join(map(str, self.sizes))}, {acts}, init={self.init}, {self.dtype.name})"
