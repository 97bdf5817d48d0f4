""""Learn this": one gradient-descent step on a single example, before and after.

The person teaches the network their own handwriting and sees the probabilities move. The
step is the engine's own: ``backward`` fills the gradient buffer and :class:`SGD` applies
``θ ← θ − η ∇L`` to a copy, so the original network is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine.convnet import Network
from nnviz.engine.losses import get_loss
from nnviz.engine.optim import SGD
from nnviz.engine.snapshot import frozen


@dataclass(frozen=True)
class LearnResult:
    """The result of :func:`learn_example`.

    Attributes
    ----------
    net : MLP or ConvNet
        The network after the step(s) (a new object).
    target : int
    lr : float
    steps : int
    p_before, p_after : ndarray (K,)
        Softmax output on the example before and after.
    loss_before, loss_after : float
    """

    net: Network
    target: int
    lr: float
    steps: int
    p_before: np.ndarray
    p_after: np.ndarray
    loss_before: float
    loss_after: float

    @property
    def gain(self) -> float:
        """How much the target's probability rose (may be negative)."""
        return float(self.p_after[self.target] - self.p_before[self.target])


def learn_example(net: Network, x, target: int, lr: float = 0.1, loss: str = "cross_entropy",
                  steps: int = 1) -> LearnResult:
    """Take ``steps`` plain SGD steps with learning rate ``lr`` on the example ``x`` (n_in,).

    Raises ``ValueError`` for a target outside ``0..K-1`` or a non-positive ``lr``/``steps``.
    """
    K = net.sizes[-1]
    if not 0 <= int(target) < K:
        raise ValueError(f"the target must be a class 0..{K - 1}, got {target}")
    if not lr > 0 or steps < 1:
        raise ValueError("need a positive learning rate and at least one step "
                         f"(lr={lr}, steps={steps})")
    loss_fn = get_loss(loss)
    xb = np.asarray(x, dtype=net.dtype).reshape(1, -1)
    y = np.array([int(target)])
    twin = net.copy()
    p_before = twin.predict_proba(xb)[0]
    loss_before = loss_fn.value(twin.logits(xb), y)
    opt = SGD(lr)
    for _ in range(steps):
        twin.loss_and_gradients(xb, y, loss_fn)
        opt.step([twin.theta], [twin.grad])
    twin.clear_caches()
    z = twin.logits(xb)
    return LearnResult(twin, int(target), float(lr), int(steps), frozen(p_before),
                  frozen(twin.predict_proba(xb)[0]), loss_before, loss_fn.value(z, y))
