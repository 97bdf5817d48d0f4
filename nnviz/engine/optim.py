"""Optimisers that update parameter arrays in place from their gradients.

An optimiser sees only lists of arrays (``params``, ``grads``, paired by position); the
network hands it its flat buffers, so each rule below runs as a few whole-buffer NumPy
operations with ``out=``. Gradients are left untouched; the step actually applied is kept
in ``update[i]`` (``θ ← θ − update``), which the weights view can show. Hyperparameters
are plain attributes and may be changed between steps (the GUI's sliders do that).
"""

from __future__ import annotations

import math

import numpy as np


class Optimizer:
    """Base class: ``step(params, grads)`` applies one update with learning rate ``lr``."""

    name = "base"
    momentum: float  # SGD's μ or Adam's β₁ (see effective_momentum)

    def __init__(self, lr: float):
        self.lr = float(lr)
        self.t = 0  # number of steps taken
        self._state: dict[int, dict[str, np.ndarray]] = {}

    def _slot(self, i: int, p: np.ndarray, *names: str) -> dict[str, np.ndarray]:
        """Per-parameter state arrays (``update`` plus ``names``), zero on first use."""
        st = self._state.get(i)
        if st is None or st["update"].shape != p.shape:
            st = self._state[i] = {n: np.zeros_like(p) for n in ("update", *names)}
        return st

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update every ``params[i]`` in place from ``grads[i]``."""
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            self._update(self._slot(i, p, *self.slots), p, g)

    slots: tuple[str, ...] = ()

    def _update(self, st: dict[str, np.ndarray], p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def last_update(self, i: int = 0) -> np.ndarray | None:
        """The step subtracted from ``params[i]`` by the last :meth:`step` (live array)."""
        st = self._state.get(i)
        return None if st is None else st["update"]

    def reset(self) -> None:
        """Forget the step count and all moment estimates."""
        self.t = 0
        self._state.clear()

    def hyperparameters(self) -> dict:
        return {"optimizer": self.name, "lr": self.lr}


class SGD(Optimizer):
    """Heavy-ball momentum ``v ← μ v + g``, ``θ ← θ − η v`` (PyTorch's convention, no
    Nesterov). μ = 0 is plain gradient descent ``θ ← θ − η g``, whether the optimiser was
    built with it or ``momentum`` was set to 0 between steps: ``v`` is then ``g``, as
    ``0·v + g`` says, and a later μ > 0 goes on from it rather than from a stale velocity."""

    name = "sgd"
    slots = ("v",)

    def __init__(self, lr: float = 0.1, momentum: float = 0.0):
        super().__init__(lr)
        self.momentum = float(momentum)

    def _update(self, st, p, g):
        u, lr = st["update"], p.dtype.type(self.lr)
        v = st["v"]
        if self.momentum:
            v *= p.dtype.type(self.momentum)
            v += g
            np.multiply(v, lr, out=u)
        else:  # v = 0·v + g without the multiply, so the step is exactly η·g
            np.copyto(v, g)
            np.multiply(g, lr, out=u)
        p -= u

    def hyperparameters(self):
        return {**super().hyperparameters(), "momentum": self.momentum}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction folded into the step size:
    ``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``,
    ``θ ← θ − η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε̂)``, ``ε̂ = ε√(1−β₂ᵗ)``
    — algebraically the paper's update with ``m̂``, ``v̂`` and ε, in fewer passes."""

    name = "adam"
    slots = ("m", "v")

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    # `momentum` is β₁ for Adam, so one "momentum" control can drive either optimiser.
    @property
    def momentum(self) -> float:
        return self.beta1

    @momentum.setter
    def momentum(self, value: float) -> None:
        self.beta1 = float(value)

    def _update(self, st, p, g):
        m, v, u = st["m"], st["v"], st["update"]
        f = p.dtype.type
        b1, b2, t = self.beta1, self.beta2, self.t
        # m += (1-β₁)(g - m);  v += (1-β₂)(g² - v): three passes each, no temporaries.
        np.subtract(g, m, out=u)
        u *= f(1 - b1)
        m += u
        np.square(g, out=u)
        u -= v
        u *= f(1 - b2)
        v += u
        c2 = math.sqrt(1 - b2 ** t)
        np.sqrt(v, out=u)
        u += f(self.eps * c2)
        np.divide(m, u, out=u)
        u *= f(self.lr * c2 / (1 - b1 ** t))
        p -= u

    def hyperparameters(self):
        return {**super().hyperparameters(), "beta1": self.beta1, "beta2": self.beta2,
                "eps": self.eps}


OPTIMIZERS = {"sgd": SGD, "momentum": SGD, "adam": Adam}
ADAM_BETA1 = 0.9  # Adam's β₁ when the momentum control says 0


def effective_momentum(name: str, momentum: float) -> float:
    """The μ (SGD) or β₁ (Adam) that a ``momentum`` setting means for optimiser ``name``.

    For ``sgd`` and ``momentum`` it is the number itself: 0 is plain gradient descent. For
    ``adam``, 0 means the default β₁ = 0.9 (Adam without a first moment is another method).
    The same rule holds when a run starts and when ``momentum`` changes mid-run.
    """
    return float(momentum) or (ADAM_BETA1 if str(name).lower() == "adam" else 0.0)


def make_optimizer(name: str, lr: float, momentum: float = 0.0) -> Optimizer:
    """Build an optimiser by name: ``sgd`` or ``momentum`` (SGD with heavy-ball momentum
    ``momentum``; 0 is plain SGD) or ``adam`` (β₁ = ``momentum``, 0.9 when 0): see
    :func:`effective_momentum`."""
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    mu = effective_momentum(key, momentum)
    return Adam(lr, beta1=mu) if key == "adam" else SGD(lr, mu)
