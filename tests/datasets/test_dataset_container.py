"""The `Dataset` container, `normalize`, `one_hot` and the stratified split."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz.datasets import (
    Dataset,
    DatasetError,
    DatasetNotFoundError,
    DownloadError,
    normalize,
    one_hot,
)
from nnviz.datasets.split import stratified_split


def small_dataset(**overrides) -> Dataset:
    fields = dict(
        name="tiny",
        class_names=("a", "b", "c"),
        x_train=np.zeros((4, 784), np.float32),
        y_train=np.array([0, 1, 2, 1]),
        x_val=np.zeros((0, 784), np.float32),
        y_val=np.zeros(0, np.int64),
        x_test=np.ones((2, 784), np.float32),
        y_test=np.array([2, 0]),
        source="memory",
    )
    fields.update(overrides)
    return Dataset(**fields)


def test_normalize_scales_and_flattens():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    got = normalize(images)
    assert got.dtype == np.float32 and got.shape == (1, 4)
    np.testing.assert_array_equal(got, [[0.0, 1.0, np.float32(0.2), np.float32(0.4)]])
    assert normalize(np.zeros((0, 28, 28), np.uint8)).shape == (0, 784)


def test_normalize_refuses_non_uint8():
    with pytest.raises(ValueError, match="expects uint8 pixels 0..255, got float64"):
        normalize(np.zeros((2, 4)))


def test_one_hot():
    got = one_hot(np.array([2, 0, 1, 2]), 4)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    assert one_hot(np.array([1]), 2, dtype=np.float64).dtype == np.float64
    assert one_hot(np.zeros(0, np.int64), 3).shape == (0, 3)


def test_one_hot_refuses_labels_that_do_not_fit():
    with pytest.raises(ValueError, match=r"labels 0\.\.10 do not fit 0\.\.9"):
        one_hot(np.array([0, 10]), 10)
    with pytest.raises(ValueError, match="1-D integer array"):
        one_hot(np.array([0.5]), 10)


def test_dataset_properties_and_read_only_arrays():
    data = small_dataset()
    assert data.n_classes == 3 and data.n_features == 784
    assert data.image_shape == (28, 28)
    with pytest.raises(ValueError, match="read-only"):
        data.x_train[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        data.y_test[0] = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "other"  # type: ignore[misc]
    assert str(data) == ("tiny: 4 train / 0 val / 2 test images of 28×28, 3 classes "
                         "(from memory)")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"x_train": np.zeros((4, 784))}, r"x_train: expected float32 \(N, 784\), got float64"),
        ({"x_test": np.zeros((2, 100), np.float32)}, r"x_test: expected float32 \(N, 784\)"),
        ({"y_train": np.array([0, 1, 2])}, r"y_train: expected int64 \(4,\), got int64 \(3,\)"),
        ({"y_test": np.array([0, 3])}, r"y_test: labels must lie in 0\.\.2"),
    ],
)
def test_dataset_rejects_inconsistent_arrays(override, message):
    with pytest.raises(ValueError, match=message):
        small_dataset(**override)


def test_stratified_split_is_deterministic_and_proportional():
    labels = np.repeat(np.arange(4), [40, 30, 20, 10])
    kept, held = stratified_split(labels, 0.2, seed=3)
    assert len(held) == 20 and len(kept) == 80
    np.testing.assert_array_equal(np.bincount(labels[held]), [8, 6, 4, 2])
    assert np.intersect1d(kept, held).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([kept, held])), np.arange(100))
    again_kept, again_held = stratified_split(labels, 0.2, seed=3)
    np.testing.assert_array_equal(again_kept, kept)
    np.testing.assert_array_equal(again_held, held)
    _, other = stratified_split(labels, 0.2, seed=4)
    assert not np.array_equal(other, held)


def test_split_rounds_to_the_requested_total():
    labels = np.array([0] * 3 + [1] * 3 + [2] * 3)  # 9 * 0.5 = 4.5 -> 4 (banker's) or 5
    _, held = stratified_split(labels, 0.5, seed=0)
    assert len(held) == round(4.5)
    assert set(np.bincount(labels[held], minlength=3)) <= {1, 2}


def test_split_fraction_zero_and_invalid():
    kept, held = stratified_split(np.arange(5) % 2, 0.0)
    assert held.size == 0 and kept.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match=r"fraction must be in \[0, 1\), got 1\.0"):
        stratified_split(np.arange(5), 1.0)


def test_errors_are_value_errors_for_callers_that_catch_those():
    assert issubclass(DatasetError, ValueError)
    assert issubclass(DownloadError, DatasetError)
    assert issubclass(DatasetNotFoundError, DatasetError)


def test_the_package_imports_no_qt_and_no_pillow_until_images_are_read():
    code = (
        "import sys, nnviz.datasets; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'PIL')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("labels, fraction, message", [
    ([3], 0.2, r"^20% of 1 row rounds to no rows; at least 3 rows are needed$"),
    ([3, 4], 0.2, r"^20% of 2 rows rounds to no rows; at least 3 rows are needed$"),
    ([], 0.1, r"^10% of 0 rows rounds to no rows; at least 6 rows are needed$"),  # round(0.5)=0
    (list(range(10)), 0.2, r"^class 0 has only 1 row, and holding out 20% would leave none of "
                           r"it; each class needs at least 2 rows$"),
    ([0, 0, 1, 1, 1], 0.7, r"^class 0 has only 2 rows, and holding out 70% would leave none "
                           r"of it; each class needs at least 4 rows$"),
])
def test_a_split_that_would_hold_out_nothing_or_a_whole_class_says_what_it_needs(
        labels, fraction, message):
    with pytest.raises(DatasetError, match=message):
        stratified_split(np.array(labels, dtype=np.int64), fraction)


def test_the_rows_the_messages_ask_for_are_enough():
    kept, held = stratified_split(np.array([0, 0, 1]), 0.2)  # 3 rows, 2 of the held class
    assert held.tolist() in ([0], [1]) and len(kept) == 2
    kept, held = stratified_split(np.repeat(np.arange(10), 2), 0.2)
    assert len(held) == 4 and set(np.repeat(np.arange(10), 2)[kept]) == set(range(10))
