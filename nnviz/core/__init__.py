"""The engine: a from-scratch NumPy multilayer perceptron. Never imports Qt.

The pieces are small and inspectable: activations, losses, initialisers, :class:`Dense`
layers, the :class:`MLP`, optimisers, schedules, the :class:`Trainer`, metrics, traces
for the step-through view, and checkpoints.
"""

from nnviz.core.activations import ACTIVATIONS, Activation, get_activation
from nnviz.core.augment import Augmentation, Augmenter
from nnviz.core.checkpoint import Checkpoint, CheckpointError, load_model, save_model
from nnviz.core.config import LIVE_FIELDS, TrainConfig
from nnviz.core.layers import Dense
from nnviz.core.losses import LOSSES, Loss, get_loss, softmax
from nnviz.core.evaluation import Evaluation
from nnviz.core.metrics import Scores, confusion_matrix, evaluate, per_class_accuracy
from nnviz.core.network import MLP
from nnviz.core.optim import SGD, Adam, Optimizer, make_optimizer
from nnviz.core.presets import PRESETS, Preset, get_preset
from nnviz.core.trace import BackwardTrace, ForwardTrace, LayerTrace, backward_trace, forward_trace
from nnviz.core.training import StepReport, Trainer, TrainingDiverged, make_network, train

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "Augmentation", "Augmenter", "Checkpoint",
    "CheckpointError", "load_model", "save_model", "LIVE_FIELDS", "TrainConfig", "Dense",
    "LOSSES", "Loss", "get_loss", "softmax", "Evaluation", "Scores", "confusion_matrix", "evaluate",
    "per_class_accuracy", "MLP", "SGD", "Adam", "Optimizer", "make_optimizer", "PRESETS",
    "Preset", "get_preset", "BackwardTrace", "ForwardTrace", "LayerTrace", "backward_trace",
    "forward_trace", "StepReport", "Trainer", "TrainingDiverged", "make_network", "train",
]
