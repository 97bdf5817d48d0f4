"""Named starting points: a modern default and the classic from-scratch tutorial set-ups.

Presets are named by what they are. The classic ones reproduce, in shape, what the
"neural network from scratch in NumPy" tutorials report on MNIST (≈85 % test accuracy);
their weaknesses (naive initialisation, tiny layers, full-batch descent) are the point.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnviz.engine.config import TrainConfig


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    config: TrainConfig

    def describe(self) -> str:
        c = self.config
        arch = f"28×28×1 {c.arch}" if c.arch else "-".join(map(str, (784, *c.hidden, 10)))
        batch = "full batch" if c.batch_size == 0 else f"batch {c.batch_size}"
        acts = c.activation if isinstance(c.activation, str) else "/".join(c.activation)
        return (f"{arch} {acts}, {c.init} init, {c.loss}, {c.optimizer} lr {c.lr:g}, "
                f"{batch}, {c.epochs} epochs")


LENET_SMALL = "conv16k5valid,pool2,conv32k5valid,pool2,flatten,dense64,dense10"
LENET = "conv32k5valid,pool2,conv64k5valid,pool2,flatten,dense128,dense10"

PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("default", "Modern: ReLU, He init, Adam, mini-batches of 128, cross-entropy, "
           "cosine-decayed learning rate. About 98 % in well under a minute.",
           TrainConfig(hidden=(256, 128), activation="relu", init="he", loss="cross_entropy",
                       optimizer="adam", lr=1e-3, schedule="cosine", batch_size=128, epochs=12)),
    Preset("tiny-relu-fullbatch", "The smallest classic: one hidden layer of 10 ReLU units, "
           "uniform ±0.5 init, full-batch gradient descent with α = 0.1 for 700 iterations "
           "(an epoch is one step here). Slow to start, ≈85 % at the end.",
           TrainConfig(hidden=(10,), activation="relu", init="uniform", loss="cross_entropy",
                       optimizer="sgd", lr=0.1, batch_size=0, epochs=700)),
    # The tutorial sums its loss over the batch with lr 1e-3; on the batch *mean* that nnviz
    # uses, the same steps are lr 1e-3 × 1000 = 1.0.
    Preset("relu-mse-sgd", "Two wide ReLU layers trained on mean squared error of the "
           "softmax output, plain SGD on batches of 1000, small normal init (0.01·randn). "
           "The tutorial's lr 1e-3 on a loss summed over the batch is lr 1.0 on the mean.",
           TrainConfig(hidden=(256, 128), activation="relu", init="normal", init_scale=0.01,
                       loss="mse", optimizer="sgd", lr=1.0, batch_size=1000, epochs=4)),
    Preset("sigmoid-16-fullbatch", "Two hidden layers of 16 sigmoid units (the network of "
           "the famous video series), uniform ±0.5 init, full-batch descent with α = 0.8.",
           TrainConfig(hidden=(16, 16), activation="sigmoid", init="uniform",
                       loss="cross_entropy", optimizer="sgd", lr=0.8, batch_size=0, epochs=500)),
    Preset("sigmoid-momentum-xavier", "A configurable sigmoid net with Xavier init and SGD "
           "with momentum 0.9 on mini-batches: the classic recipe before Adam and ReLU.",
           TrainConfig(hidden=(128, 64), activation="sigmoid", init="xavier",
                       loss="cross_entropy", optimizer="momentum", lr=0.01, momentum=0.9,
                       batch_size=64, epochs=3)),
    Preset("lenet-small", "A small convolutional network (LeNet's shape: two unpadded 5×5 "
           "convolutions of 16 and 32 filters, each followed by 2×2 max pooling, a dense "
           "layer of 64): 46,730 parameters, 99.0 % on MNIST in 3 epochs.",
           TrainConfig(arch=LENET_SMALL, activation="relu", init="he", loss="cross_entropy",
                       optimizer="adam", lr=2e-3, schedule="cosine", batch_size=128, epochs=3)),
    Preset("lenet", "The larger convolutional network: 32 and 64 unpadded filters of 5×5, "
           "each followed by 2×2 max pooling, a dense layer of 128: 184,586 parameters, "
           "99.2 % on MNIST in 6 epochs.",
           TrainConfig(arch=LENET, activation="relu", init="he", loss="cross_entropy",
                       optimizer="adam", lr=1e-3, schedule="cosine", batch_size=128, epochs=6)),
]}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``ValueError`` lists the names."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
