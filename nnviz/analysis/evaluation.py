"""A trained network's report card on a test set: everything the evaluation view shows.

:class:`Evaluation` keeps every test image's probabilities, so the questions a person asks
next — which images sit in a cell of the confusion matrix, which mistakes were made with the
most confidence, how accurate the network is when it only answers above a confidence
threshold — are answered by indexing, with no second forward pass. The confusion matrix
and per-class accuracy come from :mod:`nnviz.engine.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nnviz.engine.convnet import Network
from nnviz.engine.losses import get_loss
from nnviz.engine.metrics import confusion_matrix, per_class_accuracy, probabilities_and_loss
from nnviz.engine.snapshot import frozen

CONFIDENT = 0.9         # an error made with at least this confidence is a "confident error"
BATCH = 2000            # images per forward pass: bounds memory whatever the test set's size
THRESHOLDS = np.linspace(0.0, 1.0, 501)  # the threshold curve's default points


class Answered(NamedTuple):
    """What answering only at confidence ≥ ``threshold`` gives (see :func:`threshold_curve`)."""

    threshold: float
    n_answered: int
    coverage: float   # share of the images answered, in [0, 1]
    accuracy: float   # share of the answered that are right; NaN when none is answered


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Predictions and summary figures of a network on n labelled images of K classes.

    Every array is read-only. Build one with :meth:`compute` (from a network) or
    :meth:`from_probabilities`.

    Attributes
    ----------
    labels : ndarray of int64, shape (n,)
        The true classes y.
    probabilities : ndarray of float32, shape (n, K)
        Softmax outputs.
    predictions : ndarray of int64, shape (n,)
        ``argmax`` of each row of ``probabilities``.
    confidence : ndarray of float32, shape (n,)
        The probability of the predicted class.
    correct : ndarray of bool, shape (n,)
    loss : float
        Mean loss (``loss_name``) over the n images; NaN when not known.
    loss_name : str
    confusion : ndarray of int64, shape (K, K)
        ``confusion[i, j]`` images of true class i predicted as j (rows: true class).
    confusion_normalised : ndarray of float64, shape (K, K)
        Each row divided by its sum: the share of class i predicted as j; NaN rows for
        classes absent from the labels.
    per_class_accuracy : ndarray of float64, shape (K,)
        Recall of each class; NaN for absent classes.
    misclassified : ndarray of int64, shape (n_errors,)
        Indices of the wrong answers, most confident first (ties: lower index first).
    """

    labels: np.ndarray
    probabilities: np.ndarray
    predictions: np.ndarray
    confidence: np.ndarray
    correct: np.ndarray
    loss: float
    loss_name: str
    confusion: np.ndarray
    confusion_normalised: np.ndarray
    per_class_accuracy: np.ndarray
    misclassified: np.ndarray

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def compute(cls, net: Network, x: np.ndarray, y: np.ndarray, loss="cross_entropy",
                batch_size: int = BATCH) -> Evaluation:
        """Run ``net`` over ``x`` (n, d) with labels ``y`` (n,) in batches.

        The loss is the one the network was trained with (``cross_entropy`` or ``mse``),
        computed from the logits as in training, so it equals the training history's
        ``test_loss``.
        """
        y = np.asarray(y, dtype=np.int64)
        p, total = probabilities_and_loss(net, x, y, loss, batch_size)
        mean_loss = total / len(x) if len(x) else float("nan")
        return cls.from_probabilities(p, y, mean_loss, get_loss(loss).name)

    @classmethod
    def from_probabilities(cls, probabilities: np.ndarray, y: np.ndarray,
                           loss: float = float("nan"), loss_name: str = "") -> Evaluation:
        """An evaluation of given probabilities (n, K) against labels ``y`` (n,)."""
        p = np.asarray(probabilities, dtype=np.float32)
        y = np.asarray(y, dtype=np.int64)
        if p.ndim != 2 or y.shape != (len(p),):
            raise ValueError(f"expected probabilities (n, K) and labels (n,), got {p.shape} "
                             f"and {y.shape}")
        k = p.shape[1]
        pred = p.argmax(axis=1)
        conf = p[np.arange(len(p)), pred]
        correct = pred == y
        counts = confusion_matrix(y, pred, k)
        totals = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            normalised = np.where(totals > 0, counts / np.maximum(totals, 1), np.nan)
        wrong = np.flatnonzero(~correct)
        # Stable sort of −confidence: most confident first, equal confidences by index.
        wrong = wrong[np.argsort(-conf[wrong], kind="stable")]
        return cls(frozen(y), frozen(p), frozen(pred), frozen(conf), frozen(correct),
                   float(loss), str(loss_name), frozen(counts), frozen(normalised),
                   frozen(per_class_accuracy(counts)), frozen(wrong))

    # -- figures ------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of images evaluated."""
        return len(self.labels)

    @property
    def n_classes(self) -> int:
        return self.probabilities.shape[1]

    @property
    def accuracy(self) -> float:
        """Share of right answers; NaN for an empty set."""
        return float(self.correct.mean()) if self.n else float("nan")

    @property
    def mean_confidence(self) -> float:
        """Mean probability of the predicted class; NaN for an empty set."""
        return float(self.confidence.mean(dtype=np.float64)) if self.n else float("nan")

    @property
    def n_errors(self) -> int:
        return len(self.misclassified)

    @property
    def n_confident_errors(self) -> int:
        """Wrong answers given with confidence ≥ :data:`CONFIDENT`."""
        return int(np.count_nonzero(self.confidence[self.misclassified] >= CONFIDENT))

    def cell_indices(self, true: int, pred: int) -> np.ndarray:
        """Indices (ascending) of the images of class ``true`` predicted as ``pred``:
        the ``confusion[true, pred]`` images behind one cell of the matrix."""
        return np.flatnonzero((self.labels == true) & (self.predictions == pred))

    def threshold_curve(self, thresholds=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:func:`threshold_curve` of this evaluation."""
        return threshold_curve(self.confidence, self.correct, thresholds)

    def at_threshold(self, t: float) -> Answered:
        """Coverage and accuracy when answering only at confidence ≥ ``t``."""
        answered, right = answered_counts(self.confidence, self.correct, np.array([float(t)]))
        a, r = int(answered[0]), int(right[0])
        return Answered(float(t), a, a / self.n if self.n else 0.0,
                        r / a if a else float("nan"))


def threshold_curve(confidence: np.ndarray, correct: np.ndarray,
                    thresholds=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coverage and accuracy of "answer only when at least t sure", for each threshold t.

    Parameters
    ----------
    confidence : ndarray, shape (n,)
        Probability of each predicted class.
    correct : ndarray of bool, shape (n,)
    thresholds : array_like, shape (m,), optional
        Default :data:`THRESHOLDS` (0 to 1 in steps of 0.002).

    Returns
    -------
    t : ndarray of float64, shape (m,)
    coverage : ndarray of float64, shape (m,)
        Share of the n images with ``confidence ≥ t`` (compared in the type of
        ``confidence``, as NumPy's ``confidence >= t`` does).
    accuracy : ndarray of float64, shape (m,)
        Share of those that are correct; NaN where no image is answered.

    Notes
    -----
    One sort, then a binary search per threshold over cumulative counts of correct answers
    taken from the most confident end: O((n + m) log n) for any number of thresholds.
    """
    t = np.asarray(THRESHOLDS if thresholds is None else thresholds, dtype=np.float64).ravel()
    answered, right = answered_counts(confidence, correct, t)
    n = len(confidence)
    coverage = answered / n if n else np.zeros(len(t))
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(answered > 0, right / np.maximum(answered, 1), np.nan)
    return t, np.asarray(coverage, dtype=np.float64), accuracy


def answered_counts(confidence: np.ndarray, correct: np.ndarray,
                    t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many images have ``confidence ≥ t`` and how many of those are correct, per t.

    Returns
    -------
    answered, right : ndarray of int64, shape of ``t``
    """
    conf = np.asarray(confidence)
    if conf.dtype.kind != "f":
        conf = conf.astype(np.float64)
    order = np.argsort(conf, kind="stable")
    conf = conf[order]
    n = len(conf)
    # right_of[i]: correct answers among sorted positions i..n-1 (right_of[n] = 0).
    right_of = np.zeros(n + 1, dtype=np.int64)
    right_of[:n] = np.cumsum(np.asarray(correct, dtype=np.int64)[order][::-1])[::-1]
    # Thresholds in the confidences' own type, as ``confidence >= t`` compares them: a
    # float32 confidence of 0.9 is "at least 0.9 sure" though float32(0.9) < 0.9.
    first = np.searchsorted(conf, np.asarray(t, dtype=np.float64).astype(conf.dtype), side="left")
    return n - first, right_of[first]


def summary_text(ev: Evaluation) -> str:
    """The summary line: accuracy, loss, mean confidence, errors and confident errors."""
    return (f"<b>accuracy {100 * ev.accuracy:.2f} %</b> on {ev.n:,} test images · loss "
            f"{ev.loss:.4f} · mean confidence {100 * ev.mean_confidence:.1f} % · "
            f"{ev.n_errors:,} errors, {ev.n_confident_errors:,} of them at least "
            f"{100 * CONFIDENT:.0f} % sure")
