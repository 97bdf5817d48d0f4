"""Evaluation metrics: loss, accuracy, per-class accuracy, confusion matrix, inactive units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine.convnet import Network
from nnviz.engine.losses import get_loss, softmax
from nnviz.engine.network import MLP


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of examples of true class i predicted as j: int64 (K, K)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes)


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Recall of each class from a confusion matrix: float64 (K,); NaN for absent classes."""
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(confusion) / np.maximum(totals, 1), np.nan)


@dataclass(frozen=True)
class Scores:
    """Results of :func:`evaluate` over n examples of K classes: the figures training
    reports each epoch. (:class:`nnviz.analysis.evaluation.Evaluation` is the evaluation view's
    fuller account.)"""

    loss: float
    accuracy: float
    predictions: np.ndarray   # (n,) int64
    confidence: np.ndarray    # (n,) probability of the predicted class
    confusion: np.ndarray     # (K, K) int64

    @property
    def per_class_accuracy(self) -> np.ndarray:
        return per_class_accuracy(self.confusion)

    @property
    def n(self) -> int:
        return len(self.predictions)


def probabilities_and_loss(net: Network, x: np.ndarray, y: np.ndarray, loss="cross_entropy",
                           batch_size: int = 2000) -> tuple[np.ndarray, float]:
    """Softmax outputs (n, K) float32 of ``net`` on ``x`` (n, d) and the summed loss against
    ``y`` (n,), computed from the logits as in training, in batches so memory stays bounded."""
    loss_fn = get_loss(loss)
    p = np.empty((len(x), net.sizes[-1]), dtype=np.float32)
    total = 0.0
    for s in range(0, len(x), batch_size):
        z = net.logits(x[s:s + batch_size])
        total += loss_fn.value(z, y[s:s + batch_size]) * len(z)
        p[s:s + batch_size] = softmax(z)
    return p, total


def evaluate(net: Network, x: np.ndarray, y: np.ndarray, loss="cross_entropy",
             batch_size: int = 2000) -> Scores:
    """Loss, accuracy and confusion matrix of ``net`` on ``x`` (n, d), ``y`` (n,)."""
    k = net.sizes[-1]
    p, total = probabilities_and_loss(net, x, y, loss, batch_size)
    preds = p.argmax(axis=1)
    conf = p.max(axis=1)
    n = max(len(x), 1)
    return Scores(loss=total / n, accuracy=float(np.mean(preds == y)) if len(x) else float("nan"),
                      predictions=preds, confidence=conf,
                      confusion=confusion_matrix(y, preds, k))


def inactive_fraction(net: Network, x: np.ndarray, tol: float = 1e-3) -> list[float]:
    """Share of each hidden layer's units that are inactive on every row of ``x`` (m, d).

    A unit is inactive when its derivative ``f'(z)`` is below ``tol`` for all m inputs: a
    dead ReLU, or a saturated sigmoid/tanh. Such a unit passes no gradient back and so
    stops learning. Returns one float per hidden layer.
    """
    if not isinstance(net, MLP):  # a ConvNet walks its own stack
        return net.inactive_fraction(x, tol)
    out, a = [], np.asarray(x, dtype=net.dtype)
    for layer in net.layers[:-1]:
        z = a @ layer.W.T
        z += layer.b
        a = layer.activation.forward(z)
        d = layer.activation.derivative(z, a)
        out.append(float(np.mean(np.all(np.abs(d) < tol, axis=0))))
    return out


def gradient_rms(net: MLP) -> list[float]:
    """Root-mean-square of each layer's ``dW`` from the last backward pass: the 'gradient
    strength' per layer (vanishing gradients show as orders of magnitude between layers)."""
    return [float(np.sqrt(np.dot(L.dW.ravel(), L.dW.ravel()) / L.dW.size)) for L in net.layers]
