"""The training loop, as an object that takes one batch at a time.

:class:`Trainer` owns the optimiser, the shuffling and the history; :meth:`Trainer.step`
trains one batch and returns a frozen :class:`StepReport`. :func:`train` is the plain
function the CLI and tests use (``report=list.append``); the GUI's worker calls ``step``
itself so it can pause, single-step and add epochs. No Qt here.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.engine.augment import Augmenter
from nnviz.engine.config import LIVE_FIELDS, TrainConfig
from nnviz.engine.losses import get_loss
from nnviz.engine.metrics import evaluate, gradient_rms, inactive_fraction
from nnviz.engine.network import MLP
from nnviz.engine.optim import effective_momentum, make_optimizer
from nnviz.engine.schedules import lr_factor

# A batch's loss this many times the run's recent losses (or a network that knows nothing's,
# whichever is larger) means the step blew up: finite, yet far past anything training does.
DIVERGENCE_FACTOR = 100.0
RECENT_STEPS = 50  # the window of accepted losses the factor is measured against


class TrainingDiverged(ArithmeticError):
    """The loss blew up (or became NaN or infinite); the last good weights were restored.

    Attributes
    ----------
    kept_step : int
        The step whose weights were kept (0: the starting weights).
    kept_loss : float or None
        The loss those weights gave on that step's batch (None if no step was accepted).
    """

    def __init__(self, message: str, kept_step: int = 0, kept_loss: float | None = None):
        super().__init__(message)
        self.kept_step, self.kept_loss = kept_step, kept_loss


@dataclass(frozen=True)
class StepReport:
    """What one batch did. ``epoch`` is fractional progress (2.5 = halfway through the third
    epoch); ``record`` is the epoch's history record when this batch completed an epoch."""

    step: int
    epoch: float
    loss: float
    accuracy: float
    lr: float
    batch_size: int
    samples_seen: int
    elapsed_s: float
    grad_rms: tuple[float, ...]
    record: dict | None = None


def make_network(config: TrainConfig, n_in: int, n_out: int, dtype=np.float32,
                 image_shape: tuple[int, int] | None = None):
    """The network ``config`` describes, for data of ``n_in`` features and ``n_out`` classes.

    With ``config.arch`` a :class:`~nnviz.engine.convnet.ConvNet` whose input maps are
    ``image_shape`` (default: the square ``n_in`` implies) × the channels left over; else an
    :class:`MLP`. ``ValueError`` names a layer that does not fit.
    """
    if config.arch:
        from nnviz.engine.convnet import ConvNet, layer_shapes, parse_arch
        specs = parse_arch(config.arch, config.stack_activation)
        input_shape = conv_input_shape(n_in, image_shape)
        layer_shapes(input_shape, specs, n_out)
        return ConvNet(input_shape, specs, config.init, config.init_scale, seed=config.seed,
                       dtype=dtype)
    return MLP(config.sizes(n_in, n_out), list(config.activations), config.init, config.init_scale,
               seed=config.seed, dtype=dtype)


def conv_input_shape(n_in: int, image_shape=None) -> tuple[int, int, int]:
    """(H, W, C) of rows of ``n_in`` pixels: ``image_shape`` (else the square) × channels."""
    h, w = image_shape if image_shape else (int(round(np.sqrt(n_in))),) * 2
    if h * w == 0 or n_in % (h * w):
        raise ValueError(f"{n_in} inputs are not images of {h}×{w} pixels")
    return (h, w, n_in // (h * w))


class Trainer:
    """Trains ``net`` on ``data`` with ``config``, one batch per :meth:`step`.

    Parameters
    ----------
    net : MLP
    data : object with ``x_train`` (N, d) float32, ``y_train`` (N,) int, ``x_test``,
        ``y_test``, and optionally ``x_val``, ``y_val``.
    config : TrainConfig
    """

    def __init__(self, net: MLP, data, config: TrainConfig, *, probe_size: int = 1000):
        self.net, self.data, self.config = net, data, config
        shuffle_ss, dropout_ss, aug_ss, subset_ss = np.random.SeedSequence(config.seed).spawn(4)
        self._shuffle_rng = np.random.default_rng(shuffle_ss)
        self._dropout_rng = np.random.default_rng(dropout_ss)
        self._aug_rng = np.random.default_rng(aug_ss)
        self._augmenter = Augmenter(_image_shape(data), seed=int(aug_ss.generate_state(1)[0]))
        self.x_train, self.y_train = self._subset(data.x_train, data.y_train, config.train_subset,
                                                  np.random.default_rng(subset_ss))
        if len(self.x_train) == 0:
            raise ValueError("the training set is empty")
        self._probe = np.asarray(data.x_test[:probe_size])
        self._loss = get_loss(config.loss)
        self.optimizer = make_optimizer(config.optimizer, config.lr, config.momentum)
        self.history: list[dict] = []
        self.step_count = 0
        self.epochs_done = 0
        self.samples_seen = 0
        self.elapsed_s = 0.0
        self._pos = 0
        self._perm = self._permutation()
        self._epoch_sums = np.zeros(3)  # loss·m, correct, m over the current epoch
        self._epoch_grad: list[tuple[float, ...]] = []  # per step, each layer's gradient RMS
        self._backup = net.theta.copy()
        self._recent: collections.deque[float] = collections.deque(maxlen=RECENT_STEPS)
        self._chance_loss: float | None = None  # the loss of all-zero logits: knowing nothing
        self._pending: dict = {}

    # -- hyperparameter changes mid-run ---------------------------------------------------

    def request(self, **changes) -> None:
        """Ask for hyperparameter changes, applied before the next batch.

        Only ``LIVE_FIELDS`` may change mid-run; the values are validated here, so a bad one
        raises ``ValueError`` at once rather than at the next batch.
        """
        fixed = set(changes) - LIVE_FIELDS
        if fixed:
            raise ValueError(f"{', '.join(sorted(fixed))} cannot change during training; "
                             "start a new network")
        self.config.replace(**{**self._pending, **changes})  # validates
        self._pending.update(changes)

    def _apply_pending(self) -> None:
        if not self._pending:
            return
        changes, self._pending = self._pending, {}
        self.config = self.config.replace(**changes)
        if "momentum" in changes:  # the same rule as at the start (0 → plain SGD, Adam's 0.9)
            self.optimizer.momentum = effective_momentum(self.config.optimizer, changes["momentum"])

    # -- the loop -----------------------------------------------------------------------

    @property
    def epoch_progress(self) -> float:
        """Epochs done as a float, counting the current epoch's fraction."""
        return self.epochs_done + self._pos / len(self.x_train)

    @property
    def finished(self) -> bool:
        """True once ``config.epochs`` epochs are done, counting a requested change of
        ``epochs`` not yet applied (``epochs`` may be raised later)."""
        epochs = self._pending.get("epochs", self.config.epochs)
        return self.epochs_done >= epochs

    def current_lr(self) -> float:
        c = self.config
        return c.lr * lr_factor(c.schedule, self.epoch_progress, total_epochs=c.epochs,
                                step_epochs=c.step_epochs, gamma=c.gamma,
                                min_factor=c.min_lr_factor)

    def step(self) -> StepReport:
        """Train on the next batch; at the end of an epoch, evaluate and record it.

        Raises
        ------
        TrainingDiverged
            When the loss or gradient is not finite, or the loss is more than
            `DIVERGENCE_FACTOR` times the recent losses. The weights are restored to those of
            the last step accepted (its loss was sane); training can go on after, say,
            lowering the rate.
        """
        t0 = time.perf_counter()
        self._apply_pending()
        c, net = self.config, self.net
        n = len(self.x_train)
        m = n - self._pos if c.batch_size == 0 else min(c.batch_size, n - self._pos)
        if m == n:  # full batch: order is irrelevant to the summed gradient, skip the gather
            x, y = self.x_train, self.y_train
        else:
            idx = self._perm[self._pos:self._pos + m]
            x, y = self.x_train[idx], self.y_train[idx]
        if c.augmentation.enabled:
            x = self._augmenter(x, c.augmentation, self._aug_rng)
        # Overflow is detected below and reported as divergence, not as NumPy warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            z = net.forward(x, c.dropout, self._dropout_rng)
            loss, delta = self._loss.value_and_delta(z, y)
            correct = int(np.count_nonzero(z.argmax(axis=1) == y))
            net.backward(delta)
            if c.l2:
                for layer in net.layers:
                    layer.dW += layer.W.dtype.type(c.l2) * layer.W
            g2 = float(np.dot(net.grad, net.grad))
        bound = self._loss_bound(y, z.shape[1])
        if not (np.isfinite(loss) and np.isfinite(g2) and loss <= bound):
            net.theta[...] = self._backup
            net.clear_caches()
            raise self._diverged(loss, g2, bound)
        np.copyto(self._backup, net.theta)
        self._recent.append(float(loss))
        lr = self.current_lr()
        self.optimizer.lr = lr
        self.optimizer.step([net.theta], [net.grad])
        net.clear_caches()
        grads = tuple(gradient_rms(net))
        self.step_count += 1
        self.samples_seen += m
        self._pos += m
        self._epoch_sums += (loss * m, correct, m)
        self._epoch_grad.append(grads)
        self.elapsed_s += time.perf_counter() - t0
        record = self._end_epoch() if self._pos >= n else None
        epoch = self.epoch_progress if record is None else float(self.epochs_done)
        return StepReport(self.step_count, epoch, loss, correct / m, lr, m, self.samples_seen,
                          self.elapsed_s, grads, record)

    def _loss_bound(self, y: np.ndarray, n_out: int) -> float:
        """The largest loss a sane step has: `DIVERGENCE_FACTOR` times the median of the recent
        accepted losses, or of the loss of knowing nothing (zero logits) if that is larger, so
        a noisy batch late in training is not mistaken for a blow-up."""
        if not self._recent:  # the starting weights' loss, however large, is where we start
            return np.inf
        if self._chance_loss is None:
            zeros = np.zeros((len(y), n_out), dtype=self.net.theta.dtype)
            self._chance_loss = float(self._loss.value_and_delta(zeros, y)[0])
        return DIVERGENCE_FACTOR * max(float(np.median(self._recent)), self._chance_loss)

    def _diverged(self, loss: float, g2: float, bound: float) -> TrainingDiverged:
        """The error for a bad step; the weights have been put back to the last good ones."""
        step = self.step_count + 1
        if not np.isfinite(loss) or not np.isfinite(g2):
            what = (f"the {'loss' if not np.isfinite(loss) else 'gradient'} became infinite "
                    f"or NaN (loss {loss:.4g})")
        else:
            what = (f"the loss jumped to {loss:.4g}, more than {DIVERGENCE_FACTOR:g}× the recent "
                    f"losses (limit {bound:.4g})")
        kept_loss = self._recent[-1] if self._recent else None
        kept = (f"the weights step {self.step_count} measured were kept (loss {kept_loss:.4g} "
                "on its batch)"
                if kept_loss is not None else "the starting weights were kept")
        return TrainingDiverged(
            f"training diverged at step {step} (epoch {self.epoch_progress:.2f}): {what}; "
            f"{kept}. Try a smaller learning rate (now {self.current_lr():.3g}).",
            self.step_count, kept_loss)

    def _end_epoch(self) -> dict:
        """Evaluate on the test (and validation) set and append the epoch's history record."""
        loss_sum, correct, m = self._epoch_sums
        self.epochs_done += 1
        self._pos = 0
        self._perm = self._permutation()
        record: dict[str, Any] = {
            "epoch": self.epochs_done, "step": self.step_count, "samples": self.samples_seen,
            "train_loss": loss_sum / m, "train_accuracy": correct / m,
            "lr": self.optimizer.lr, "elapsed_s": self.elapsed_s}
        for split in ("val", "test"):
            x, y = getattr(self.data, f"x_{split}", None), getattr(self.data, f"y_{split}", None)
            ev = (evaluate(self.net, x, y, self._loss) if x is not None and y is not None and len(x)
                  else None)
            record[f"{split}_loss"] = ev.loss if ev else None
            record[f"{split}_accuracy"] = ev.accuracy if ev else None
        record["grad_rms"] = np.mean(self._epoch_grad, axis=0).tolist()
        record["inactive"] = inactive_fraction(self.net, self._probe) if len(self._probe) else []
        self._epoch_sums[:] = 0
        self._epoch_grad.clear()
        self.history.append(record)
        return record

    def run(self, report: Callable[[StepReport], object] | None = None,
            should_stop: Callable[[], bool] | None = None, max_steps: int | None = None) -> None:
        """Step until finished, ``should_stop()`` is true, or ``max_steps`` batches are done."""
        done = 0
        while not self.finished and (max_steps is None or done < max_steps):
            if should_stop is not None and should_stop():
                return
            r = self.step()
            done += 1
            if report is not None:
                report(r)

    # -- helpers ------------------------------------------------------------------------

    def _permutation(self) -> np.ndarray:
        return self._shuffle_rng.permutation(len(self.x_train))

    @staticmethod
    def _subset(x, y, k: int, rng):
        if not k or k >= len(x):
            return x, y
        idx = np.sort(rng.choice(len(x), size=k, replace=False))
        return x[idx], y[idx]


def _image_shape(data) -> tuple[int, int]:
    """The data's image shape, or the square one its feature count implies."""
    shape = getattr(data, "image_shape", None)
    if shape:
        return tuple(shape)
    side = int(round(np.sqrt(data.x_train.shape[1])))
    return (side, side)


def train(net: MLP, data, config: TrainConfig,
          report: Callable[[StepReport], object] | None = None,
          should_stop: Callable[[], bool] | None = None) -> Trainer:
    """Train ``net`` for ``config.epochs`` epochs; call ``report`` after every batch.

    Returns the :class:`Trainer`, whose ``history`` holds one record per epoch. Raises
    :class:`TrainingDiverged` (weights restored to the last good step) on NaN/inf.
    """
    trainer = Trainer(net, data, config)
    trainer.run(report, should_stop)
    return trainer
