"""Training configuration: one frozen record of every hyperparameter.

Some fields can change between batches of a running training (``LIVE_FIELDS``); the
others define the network or the data and need a new network.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from nnviz.engine.activations import ACTIVATIONS
from nnviz.engine.augment import Augmentation
from nnviz.engine.init import INITIALISERS
from nnviz.engine.losses import LOSSES
from nnviz.engine.optim import OPTIMIZERS
from nnviz.engine.schedules import SCHEDULES

# Hyperparameters that may change mid-run, between two batches.
LIVE_FIELDS = frozenset({"lr", "momentum", "l2", "dropout", "batch_size", "augmentation",
                         "epochs", "schedule", "step_epochs", "gamma", "min_lr_factor"})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run besides the data.

    ``batch_size = 0`` means full-batch gradient descent (one step per epoch).
    ``momentum`` is SGD's momentum μ (0: plain SGD, for ``sgd`` and ``momentum`` alike), or
    Adam's β₁ when > 0 (0 keeps Adam's 0.9); see :func:`nnviz.engine.optim.effective_momentum`.
    ``train_subset = 0`` trains on all training examples.
    ``activation`` is one name for every hidden layer, or a tuple with one per hidden layer.
    ``arch``, when not empty, describes a layer stack in :func:`nnviz.engine.convnet.parse_arch`'s
    syntax (``conv8k5,pool2,…,flatten,dense10``) and replaces ``hidden``; ``activation`` is
    then the default of its layers.
    """

    hidden: tuple[int, ...] = (256, 128)
    activation: str | tuple[str, ...] = "relu"
    init: str = "he"
    init_scale: float = 1.0
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    schedule: str = "constant"
    step_epochs: float = 5.0
    gamma: float = 0.5
    min_lr_factor: float = 0.0
    l2: float = 0.0
    dropout: float = 0.0
    batch_size: int = 128
    epochs: int = 10
    augmentation: Augmentation = field(default_factory=Augmentation)
    train_subset: int = 0
    seed: int = 0
    arch: str = ""

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if not isinstance(self.activation, str):
            object.__setattr__(self, "activation", tuple(str(a) for a in self.activation))
        if isinstance(self.augmentation, dict):
            object.__setattr__(self, "augmentation", Augmentation(**self.augmentation))
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first out-of-range hyperparameter."""
        checks = [
            (all(h >= 1 for h in self.hidden),
             f"hidden layer widths must be ≥ 1, got {self.hidden}"),
            (all(a in ACTIVATIONS and a != "identity" for a in self.activations),
             f"activation must be one of relu, leaky_relu, sigmoid, tanh, got {self.activation!r}"),
            (len(self.activations) == len(self.hidden),
             f"{len(self.activations)} activations given for {len(self.hidden)} hidden layers"),
            (self.init in INITIALISERS,
             f"init must be one of {', '.join(INITIALISERS)}, got {self.init!r}"),
            (0 < self.init_scale <= 100, f"init_scale must be in (0, 100], got {self.init_scale}"),
            (self.loss in LOSSES, f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}"),
            (self.optimizer in OPTIMIZERS,
             f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}"),
            (0 < self.lr < 100, f"learning rate must be in (0, 100), got {self.lr}"),
            (0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}"),
            (self.schedule in SCHEDULES,
             f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}"),
            (self.step_epochs > 0 and 0 < self.gamma <= 1 and 0 <= self.min_lr_factor <= 1,
             "schedule needs step_epochs > 0, 0 < gamma ≤ 1 and 0 ≤ min_lr_factor ≤ 1"),
            (0 <= self.l2 <= 1, f"L2 weight decay must be in [0, 1], got {self.l2}"),
            (0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}"),
            (self.batch_size >= 0,
             f"batch size must be ≥ 1 (or 0 for full batch), got {self.batch_size}"),
            (self.epochs >= 0, f"epochs must be ≥ 0, got {self.epochs}"),
            (self.train_subset >= 0, f"training subset must be ≥ 0, got {self.train_subset}"),
            (self.seed >= 0, f"seed must be ≥ 0, got {self.seed}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        if self.arch:
            from nnviz.engine.convnet import parse_arch
            parse_arch(self.arch, self.stack_activation)

    @property
    def stack_activation(self) -> str:
        """The activation of ``arch``'s layers that name none: ``activation`` when it is one
        name (even with no hidden layers), else the first hidden layer's, else ReLU."""
        if isinstance(self.activation, str):
            return self.activation
        return self.activation[0] if self.activation else "relu"

    @property
    def activations(self) -> tuple[str, ...]:
        """One activation name per hidden layer."""
        if isinstance(self.activation, str):
            return (self.activation,) * len(self.hidden)
        return self.activation

    def replace(self, **changes) -> "TrainConfig":
        """A copy with ``changes`` applied (validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples become lists)."""
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        if not isinstance(self.activation, str):
            d["activation"] = list(self.activation)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Inverse of :meth:`to_dict`; unknown keys are an error, missing keys take defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"unknown hyperparameter(s): {', '.join(sorted(unknown))}")
        return cls(**d)

    def sizes(self, n_in: int, n_out: int) -> tuple[int, ...]:
        """Full layer sizes for data with ``n_in`` features and ``n_out`` classes."""
        return (n_in, *self.hidden, n_out)
