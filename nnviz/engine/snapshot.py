"""Frozen snapshots of a training run: what crosses from the training thread to the views.

Every array in a :class:`TrainingSnapshot` is a read-only copy, so a view may keep it while
the trainer goes on. :class:`CurveBuffer` keeps per-batch curves bounded: when full, it
halves its resolution, so an hour of training costs no more to copy and draw than a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from nnviz.engine.config import TrainConfig


@overload
def frozen(arr: None) -> None: ...
@overload
def frozen(arr: ArrayLike) -> np.ndarray: ...
def frozen(arr: ArrayLike | None) -> np.ndarray | None:
    """A read-only copy of ``arr`` (None stays None)."""
    if arr is None:
        return None
    out = np.array(arr, copy=True)
    out.setflags(write=False)
    return out


class CurveBuffer:
    """Per-batch series (step, loss, accuracy, lr, grad_rms per layer), bounded in length.

    When ``capacity`` points are held, neighbouring pairs are merged into their means (step
    numbers included, so a point sits at the centre of the batches it averages) and later
    points each average twice as many batches: the curve keeps its shape at half the
    resolution. Not thread-safe: the training thread appends and copies.
    """

    def __init__(self, n_layers: int, capacity: int = 8192):
        self.capacity = capacity - capacity % 2
        self._data = np.empty((self.capacity, 4 + n_layers), dtype=np.float64)
        self._n = 0
        self.stride = 1  # batches per point
        self._acc = np.zeros(4 + n_layers)
        self._acc_n = 0

    def append(self, step: int, loss: float, accuracy: float, lr: float, grad_rms) -> None:
        row = (step, loss, accuracy, lr, *grad_rms)
        self._acc += row
        self._acc_n += 1
        if self._acc_n < self.stride:
            return
        point = self._acc / self._acc_n
        self._acc[:] = 0
        self._acc_n = 0
        if self._n == self.capacity:
            merged = self._data[: self._n].reshape(-1, 2, self._data.shape[1]).mean(axis=1)
            self._n = len(merged)
            self._data[: self._n] = merged
            self.stride *= 2
        self._data[self._n] = point
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def columns(self) -> dict[str, np.ndarray]:
        """Frozen copies: ``step``, ``loss``, ``accuracy``, ``lr`` (n,) and ``grad_rms`` (n, L)."""
        d = self._data[: self._n]
        return {"step": frozen(d[:, 0]), "loss": frozen(d[:, 1]), "accuracy": frozen(d[:, 2]),
                "lr": frozen(d[:, 3]), "grad_rms": frozen(d[:, 4:])}


@dataclass(frozen=True)
class LayerState:
    """One layer ``l`` at the moment of the snapshot (all arrays frozen copies).

    W (n_out, n_in), b (n_out,); dW, db the last batch's gradients; uW, ub the last update
    actually subtracted (θ ← θ − u) — these four None unless asked for (``take_snapshot``);
    W0 the weights at initialisation (shared, never changes).
    """

    index: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    dW: np.ndarray | None
    db: np.ndarray | None
    uW: np.ndarray | None
    ub: np.ndarray | None
    W0: np.ndarray | None  # None in transit: the Outbox sends it once per run


@dataclass(frozen=True)
class TrainingSnapshot:
    """The state of a training run after ``step`` batches.

    Attributes
    ----------
    run_id : int
        Changes with every new network, so a view can reset itself.
    step : int
        Batches done. Views drop a snapshot whose step is not newer than the one shown.
    epoch : float
        Fractional epochs done.
    layers : tuple of LayerState
    curves : dict of str to ndarray
        :meth:`CurveBuffer.columns` — per-batch series, bounded in length.
    history : tuple of dict
        Per-epoch records (see ``Trainer``).
    lr, elapsed_s, samples_seen, samples_per_s : float
    config : TrainConfig
    sizes : tuple of int
    n_train : int
        Training examples per epoch.
    epochs_done : int
    layer_stack : dict or None
        :meth:`ConvNet.architecture` for a layer stack; None for an MLP.
    """

    run_id: int
    step: int
    epoch: float
    layers: tuple[LayerState, ...]
    curves: dict
    history: tuple
    lr: float
    elapsed_s: float
    samples_seen: int
    samples_per_s: float
    config: TrainConfig | None
    sizes: tuple[int, ...]
    n_train: int = 0
    epochs_done: int = 0
    layer_stack: dict | None = None

    def architecture(self) -> dict:
        """What :meth:`MLP.architecture` (or ``ConvNet.architecture``) says of the network
        this snapshot was taken of."""
        if self.layer_stack is not None:
            return self.layer_stack
        c = self.config
        return {"sizes": list(self.sizes), "activations": [L.activation for L in self.layers[:-1]],
                "init": c.init if c else "he", "init_scale": c.init_scale if c else 1.0,
                "dtype": self.layers[0].W.dtype.name}

    def network(self):
        """A new network (:class:`MLP` or ``ConvNet``) holding this snapshot's weights."""
        from nnviz.engine.network import MLP
        params = {f"{k}{L.index}": getattr(L, k) for L in self.layers for k in ("W", "b")}
        if self.layer_stack is not None:
            from nnviz.engine.convnet import ConvNet
            return ConvNet.from_architecture(self.layer_stack, params)
        return MLP.from_architecture(self.architecture(), params)


ALL_FIELDS = frozenset({"dW", "uW"})


def take_snapshot(trainer, curves: CurveBuffer, initial: tuple[np.ndarray, ...], run_id: int,
                  samples_per_s: float = 0.0, fields=ALL_FIELDS) -> TrainingSnapshot:
    """Copy what the views need out of ``trainer`` (call in the training thread).

    Weights and biases always; the gradients (``dW``, ``db``) and the last update (``uW``,
    ``ub``) only when named in ``fields`` — else None: they double or triple what a
    snapshot costs to copy and send, and only one view mode shows them."""
    net, opt = trainer.net, trainer.optimizer
    update = opt.last_update(0)
    layers, offset = [], 0
    for i, L in enumerate(net.layers):
        n_w, n_b = L.W.size, L.b.size
        u = (update[offset:offset + n_w + n_b] if update is not None
             else np.zeros(n_w + n_b, L.W.dtype))
        grads = (frozen(L.dW), frozen(L.db)) if "dW" in fields else (None, None)
        steps = ((frozen(u[:n_w].reshape(L.W.shape)), frozen(u[n_w:])) if "uW" in fields
                 else (None, None))
        layers.append(LayerState(i + 1, L.activation.name, frozen(L.W), frozen(L.b), grads[0],
                                 grads[1], steps[0], steps[1], initial[i]))
        offset += n_w + n_b
    return TrainingSnapshot(run_id, trainer.step_count, trainer.epoch_progress, tuple(layers),
                            curves.columns(), tuple(dict(r) for r in trainer.history),
                            trainer.current_lr(), trainer.elapsed_s, trainer.samples_seen,
                            samples_per_s, trainer.config, tuple(net.sizes),
                            len(trainer.x_train), trainer.epochs_done,
                            net.architecture() if hasattr(net, "stack") else None)


def refreeze(snap: TrainingSnapshot) -> TrainingSnapshot:
    """Mark a snapshot's arrays read-only again after it crossed a process (pickling
    drops the flag); returns the same snapshot."""
    for layer in snap.layers:
        for arr in (layer.W, layer.b, layer.dW, layer.db, layer.uW, layer.ub, layer.W0):
            if arr is not None and arr.flags.writeable:
                arr.setflags(write=False)
    for arr in snap.curves.values():
        arr.setflags(write=False)
    return snap
