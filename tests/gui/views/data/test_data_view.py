"""The data view: every chart holds the dataset's own numbers."""


import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
import pytest
from gui_helpers import shown
from PySide6.QtGui import QImage

from nnviz.charts.parts import tile_origin
from nnviz.charts.theme import DARK, LIGHT
from nnviz.datasets import Dataset, load_dataset
from nnviz.engine.augment import Augmentation, Augmenter
from nnviz.gui.views.data.stats import class_means, pixel_histogram, sample_indices
from nnviz.gui.views.data.view import (
    HELP,
    MEAN_GAP,
    SAMPLES_PER_CLASS,
    STRIP_COPIES,
    STRIP_GAP,
    DataView,
)
from nnviz.gui.widgets.help import help_buttons

FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot")
AUG = Augmentation(noise_std=0.1, max_rotation_deg=15, max_shift_px=2, thickness=0.3)


@pytest.fixture
def view(qtbot, digits):
    v = shown(qtbot, DataView(), 800, 600)
    v.model.set_dataset(digits)
    return v


def tick_labels(axis) -> list[str]:
    return [label for _, label in axis._tickLevels[0]]


def test_count_bars_equal_label_counts(view, digits):
    train = np.bincount(digits.y_train, minlength=10)
    test = np.bincount(digits.y_test, minlength=10)
    np.testing.assert_array_equal(view.train_bars.opts["width"], train)
    np.testing.assert_array_equal(view.test_bars.opts["width"], test)
    # Bar k of each split sits on row k, beside the other split's.
    np.testing.assert_allclose(view.train_bars.opts["y"] + view.test_bars.opts["y"],
                               2 * np.arange(10))
    assert tick_labels(view.counts_plot.getAxis("left")) == list(digits.class_names)


def test_mean_tiles_equal_class_means(view, digits):
    image = view.means_item.image
    for k in range(10):
        expected = digits.x_train[digits.y_train == k].mean(0).reshape(28, 28)
        r, c = tile_origin(k, 1, (28, 28))
        np.testing.assert_allclose(image[r:r + 28, c:c + 28], expected, rtol=1e-6)
    # The means column sits right of the samples, on the same rows.
    assert view.means_item.pos().x() == view.samples_item.image.shape[1] + MEAN_GAP
    assert image.shape[0] == view.samples_item.image.shape[0]


def test_sample_rows_hold_their_class(view, digits):
    chosen = sample_indices(digits.y_train, 10, SAMPLES_PER_CLASS)
    assert (digits.y_train[chosen] == np.arange(10)[:, None]).all()
    mosaic = view.samples_item.image
    for k in (0, 3, 9):
        for j in (0, SAMPLES_PER_CLASS - 1):
            r, c = tile_origin(k * SAMPLES_PER_CLASS + j, SAMPLES_PER_CLASS, (28, 28))
            np.testing.assert_array_equal(mosaic[r:r + 28, c:c + 28],
                                          digits.x_train[chosen[k, j]].reshape(28, 28))
    assert np.isnan(mosaic[28, :]).all()  # the gap under the first row is transparent
    # Deterministic: a second view picks the same images.
    np.testing.assert_array_equal(chosen, sample_indices(digits.y_train, 10, SAMPLES_PER_CLASS))


def test_histogram_counts_every_training_pixel(view, digits):
    counts = view.pixel_counts
    assert counts.sum() == digits.x_train.size
    # Nearest level, halves up, in float32 like the data.
    q = np.floor(digits.x_train.ravel() * np.float32(255) + np.float32(0.5)).astype(int)
    reference = np.bincount(q, minlength=256)
    np.testing.assert_array_equal(counts, reference)
    x, y = view.hist_curve.getData()
    assert len(x) == 257 and len(y) == 256
    np.testing.assert_allclose(10 ** y[counts > 0], counts[counts > 0], rtol=1e-9)
    zero = 100 * counts[0] / counts.sum()
    assert view.captions["histogram"].text() == (f"{digits.x_train.size:,} training pixel "
                                                 f"values; {zero:.0f} % are exactly 0.")


def test_pixel_histogram_quantises_to_255_levels():
    x = np.array([[0, 1e-4, 0.5 / 255 - 1e-6, 1 / 255, 0.5, 1.0, 1.0 + 1e-6]], np.float32)
    counts = pixel_histogram(x)
    assert counts.sum() == x.size
    assert counts[0] == 3 and counts[1] == 1 and counts[128] == 1 and counts[255] == 2


def test_class_means_and_empty_class():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.array([0, 2, 0, 2])
    means = class_means(x, y, 3)
    np.testing.assert_array_equal(means, [x[[0, 2]].mean(0), np.zeros(3), x[[1, 3]].mean(0)])


def test_augmented_strip_follows_the_augmentation(view, digits):
    originals = digits.x_train[view.strip_indices]
    # No augmentation: every copy equals its original.
    np.testing.assert_array_equal(view.augmented, np.repeat(originals, STRIP_COPIES, axis=0))
    view.set_augmentation(AUG)
    expected = Augmenter((28, 28), seed=0)(np.repeat(originals, STRIP_COPIES, axis=0), AUG,
                                           np.random.default_rng(view.strip_seed))
    np.testing.assert_array_equal(view.augmented, expected)
    assert not np.array_equal(expected, np.repeat(originals, STRIP_COPIES, axis=0))
    strip = view.strip_item.image
    np.testing.assert_array_equal(strip[:28, :28], originals[0].reshape(28, 28))
    first_copy = strip[:28, 28 + STRIP_GAP:28 + STRIP_GAP + 28]
    np.testing.assert_array_equal(first_copy, expected[0].reshape(28, 28))
    assert "rotation ±15°" in view.captions["strip"].text()
    # Stable while nothing changes ...
    view.set_augmentation(AUG)
    np.testing.assert_array_equal(view.augmented, expected)
    # ... and another augmentation, or Shuffle, draws anew.
    view.set_augmentation(Augmentation(max_rotation_deg=30))
    assert not np.array_equal(view.augmented, expected)
    view.set_augmentation(AUG)
    view.shuffle_button.click()
    assert view.strip_seed == 1
    assert not np.array_equal(view.augmented, expected)
    again = Augmenter((28, 28), seed=0)(np.repeat(originals, STRIP_COPIES, axis=0), AUG,
                                        np.random.default_rng(1))
    np.testing.assert_array_equal(view.augmented, again)


def test_other_class_names_are_shown(view, digits):
    fashion = Dataset("fashion-like", FASHION, digits.x_train, digits.y_train, digits.x_val,
                      digits.y_val, digits.x_test, digits.y_test, (28, 28), "tests")
    view.model.set_dataset(fashion)
    assert tick_labels(view.samples_plot.getAxis("left")) == list(FASHION)
    assert tick_labels(view.counts_plot.getAxis("left")) == list(FASHION)
    assert "fashion-like" in view.summary.text()


def label_axis_marks(view) -> list:
    """Pixels in the last columns of the samples' label axis that differ from the background."""
    axis = view.samples_plot.getAxis("left")
    image = view.glw.grab().toImage()
    rect = axis.sceneBoundingRect().toRect()
    background = image.pixelColor(rect.right() - 1, rect.top() + 2)
    return [(x, y) for x in range(rect.right() - 3, rect.right() + 1)
            for y in range(rect.top(), rect.bottom()) if image.pixelColor(x, y) != background]


def test_only_captions_with_numbers_stay_under_the_charts(view):
    """What each chart shows moved into its "?"; the captions left carry numbers."""
    assert set(view.captions) == {"histogram", "strip"}
    by_chart = {b.targets[0]: b.topic for b in help_buttons(view)}
    assert by_chart == {getattr(view, name): about for name, about in HELP.items()}
    assert "the mean of all the class's training images" in HELP["samples_plot"].text
    assert "balanced dataset, where accuracy is a fair score" in HELP["counts_plot"].text
    assert "Shuffle" in HELP["strip_plot"].text


def test_theme_switches_both_ways(view):
    for theme in (LIGHT, DARK, LIGHT, DARK):
        view.set_theme(theme)
        assert view.glw.backgroundBrush().color() == pg.mkColor(theme.background)
        assert view.train_bars.opts["brush"] == theme.series[0]
        assert view.captions["strip"]._item.defaultTextColor() == pg.mkColor(theme.muted)
        axis = view.counts_plot.getAxis("left")
        assert axis.textPen().color() == pg.mkColor(theme.foreground)
        assert label_axis_marks(view) == []  # class names only: no axis line, no tick dots


def test_export_gives_a_picture(view):
    data = pg.exporters.ImageExporter(view.export_item()).export(toBytes=True)
    image = data if isinstance(data, QImage) else QImage.fromData(data)
    assert image.width() > 400 and image.height() > 300
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # charts, not a blank page


@pytest.mark.mnist
def test_mnist_statistics_are_exact(mnist_dir):
    # What it costs: benchmarks/bench_costs.py ("histogram").
    ds = load_dataset("mnist", mnist_dir.parent)
    counts = pixel_histogram(ds.x_train)
    assert counts.sum() == ds.x_train.size == 60000 * 784
    assert counts[0] == np.count_nonzero(ds.x_train == 0)


def test_statistics_computed_while_loading_are_used_as_they_are(qtbot, digits):
    """The window computes the statistics off the GUI thread; the view does not again."""
    import dataclasses

    from nnviz.gui.views.data.stats import dataset_stats
    from nnviz.gui.views.data.view import SAMPLES_PER_CLASS, DataView
    stats = dataset_stats(digits, SAMPLES_PER_CLASS)
    v = DataView()
    qtbot.addWidget(v)
    v.model.set_dataset(digits)
    assert v.pixel_counts is stats.pixel_counts and v.means is stats.means
    fresh = DataView()
    qtbot.addWidget(fresh)
    fresh.model.set_dataset(dataclasses.replace(digits))  # an equal dataset, another object
    assert fresh.pixel_counts is not stats.pixel_counts
    np.testing.assert_array_equal(fresh.pixel_counts, stats.pixel_counts)
    np.testing.assert_array_equal(fresh.means, stats.means)



def test_count_ticks_do_not_run_together(qtbot, digits):
    from nnviz.gui.views.data.view import count_ticks
    # MNIST's largest class (6,742 images): "0", "5k", not "2000 4000 6000" in 100 px.
    assert count_ticks(6742) == [(0.0, "0"), (5000.0, "5k")]
    assert count_ticks(60) == [(0.0, "0"), (50.0, "50")]
    for top in (9, 60, 1135, 6742, 30000):
        ticks = count_ticks(top)
        assert 2 <= len(ticks) <= 3 and ticks[-1][0] <= top * 1.45


@pytest.mark.parametrize("size, whole", [((390, 660), False), ((580, 940), True)])
def test_the_data_dock_is_laid_out_at_the_main_windows_sizes(qtbot, digits, size, whole):
    """The dock's sizes in the main window at 1280×800 and 1920×1080."""
    from nnviz.gui.widgets.layout_check import assert_laid_out, layout_problems
    v = shown(qtbot, DataView(), *size)
    v.model.set_dataset(digits)
    if whole:
        assert_laid_out(v)
    else:  # nothing cut or past the dock's edge; two charts under 120×80 px (see report)
        assert not [p for p in layout_problems(v) if not p.startswith("small plot")]


def test_the_charts_stay_inside_the_dock_when_drawn_after_the_resize(qtbot, digits):
    """Given its dataset before it is shown at the dock's 1280×800 size (390×678), the view
    drew past its right edge: the layout grew while the axes were 35 px wide, and stayed."""
    from nnviz.gui.widgets.layout_check import layout_problems
    v = DataView()
    qtbot.addWidget(v)
    v.model.set_dataset(digits)
    v.show()
    v.resize(390, 678)
    qtbot.waitUntil(lambda: v._charted is not None)

    def inside():
        assert v.glw.ci.geometry().width() <= v.glw.viewport().width() + 1
        assert [p for p in layout_problems(v) if not p.startswith("small plot")] == []
    qtbot.waitUntil(inside, timeout=3000)  # the paint that narrows the axes comes first
