"""``nnviz evaluate``: the evaluation view's figures as text, and its charts as PNG files."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.robustness import SPOILERS, robustness_curves
from nnviz.charts.theme import DARK, LIGHT
from nnviz.cli.main import main
from nnviz.datasets import load_dataset
from nnviz.engine.checkpoint import load_model
from nnviz.render.evaluation import CONFUSION_SIZE, ROBUSTNESS_SIZE


def bars_npz(path, n_train=300, n_test=120, seed=0):
    """A Keras-style .npz whose class k is a bright bar at place k on a noisy background."""
    rng = np.random.default_rng(seed)

    def make(n):
        y = np.arange(n) % 10
        img = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(y):
            r, c = 3 + 11 * (k // 5), 3 + 5 * (k % 5)
            img[i, r:r + 10, c:c + 4] = 150 + rng.integers(0, 100)
        return img, y

    x_tr, y_tr = make(n_train)
    x_te, y_te = make(n_test)
    y_te[::6] = (y_te[::6] + 1) % 10  # some mistakes on purpose
    np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained through the CLI, its dataset file, and the dataset."""
    folder = tmp_path_factory.mktemp("evaluate")
    data, model = bars_npz(folder / "bars.npz"), folder / "model.npz"
    assert main(["train", "--dataset", str(data), "--layers", "16", "--epochs", "2",
                 "--batch-size", "50", "--lr", "1e-2", "--save", str(model), "--quiet",
                 "--seed", "0"]) == 0
    return model, data, load_dataset(str(data))


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_report_prints_the_views_figures(trained, capsys):
    model, data, ds = trained
    code, out, _ = run(["evaluate", str(model), "--dataset", str(data)], capsys)
    assert code == 0
    ev = Evaluation.compute(load_model(model).net, ds.x_test, ds.y_test)
    assert 0.5 < ev.accuracy < 0.95 and ev.n_errors > 0
    assert (f"accuracy {100 * ev.accuracy:.2f}%  loss {ev.loss:.4f}  mean confidence "
            f"{100 * ev.mean_confidence:.2f}%  errors {ev.n_errors}  confident errors "
            f"(≥ 90% sure) {ev.n_confident_errors}") in out
    lines = out.splitlines()
    first = lines.index("per-class accuracy:") + 1
    for k in range(10):
        # The digit once, then its accuracy ("  0   99.29%", not "  0 0   99.29%").
        assert lines[first + k].split() == [str(k), f"{100 * ev.per_class_accuracy[k]:.2f}%"]
    top = lines.index("confusion matrix (rows: true class, columns: predicted):") + 2
    printed = np.array([[int(v) for v in lines[top + i].split()[1:]] for i in range(10)])
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (ds.y_test, ev.predictions), 1)
    np.testing.assert_array_equal(printed, counts)
    rows = lines[lines.index("answering only when at least t sure:") + 2:][:4]
    for row, t in zip(rows, (0.5, 0.8, 0.9, 0.99), strict=True):
        answered = ev.confidence >= t
        n, right = int(answered.sum()), int((answered & ev.correct).sum())
        acc = f"{100 * right / n:.2f}%" if n else "n/a"
        assert row.split() == [f"{t:g}", f"{n:,}", f"{100 * n / ev.n:.2f}%", acc]
    assert "robustness" not in out  # only when asked for


def robustness_table(out):
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("robustness: "))
    table = {}
    for kind, s in SPOILERS.items():
        i = next(j for j in range(start, len(lines)) if lines[j].strip().startswith(s.label))
        levels = [float(v) for v in lines[i].split(")")[-1].split()]
        accs = [float(v.rstrip("%")) / 100 for v in lines[i + 1].split()]
        table[kind] = (levels, accs)
    return lines[start], table


def test_robustness_table_at_zero_is_the_plain_accuracy(trained, capsys):
    model, data, ds = trained
    code, out, _ = run(["evaluate", str(model), "--dataset", str(data), "--robustness",
                        "--robustness-n", "5000"], capsys)
    assert code == 0
    title, table = robustness_table(out)
    assert title == "robustness: accuracy on 120 test images as they are spoiled"
    plain = Evaluation.compute(load_model(model).net, ds.x_test, ds.y_test).accuracy
    for kind, (levels, accs) in table.items():
        assert levels == list(SPOILERS[kind].levels)
        assert accs[0] == pytest.approx(plain, abs=5e-5), kind
    code, out, _ = run(["evaluate", str(model), "--dataset", str(data), "--robustness",
                        "--robustness-n", "50"], capsys)
    curves = robustness_curves(load_model(model).net, ds.x_test, ds.y_test, n=50)
    for kind, (_, accs) in robustness_table(out)[1].items():
        np.testing.assert_allclose(accs, curves[kind][1], atol=5e-5)


def rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def not_blank(path, size, background, ink):
    """``size``, ``background`` in the corner, and at least 200 pixels of colour ``ink``."""
    image = Image.open(path).convert("RGB")
    assert image.size == size
    pixels = np.asarray(image).reshape(-1, 3)
    assert len({tuple(p) for p in pixels[::7]}) > 50, f"{path} looks blank"
    assert tuple(pixels[0]) == rgb(background)
    assert np.mean(np.all(pixels == pixels[0], axis=1)) < 0.97
    assert np.sum(np.all(pixels == rgb(ink), axis=1)) > 200, f"no {ink} in {path}"


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_png_files_of_the_charts(trained, tmp_path, capsys, theme):
    model, data, _ = trained
    code, _, err = run(["evaluate", str(model), "--dataset", str(data), "--png-dir",
                        str(tmp_path / "png"), "--theme", theme.name], capsys)
    assert code == 0
    confusion, robustness = tmp_path / "png" / "confusion.png", tmp_path / "png" / "robustness.png"
    not_blank(confusion, CONFUSION_SIZE, theme.background, theme.accent)  # the bars
    not_blank(robustness, ROBUSTNESS_SIZE, theme.background, theme.series[1])  # rotation
    assert f"wrote {confusion}" in err and f"wrote {robustness}" in err


def test_the_text_report_does_not_load_qt(trained):
    model, data, _ = trained
    code = ("import sys; from nnviz.cli.main import main; "
            f"code = main(['evaluate', {str(model)!r}, '--dataset', {str(data)!r}, "
            "'--robustness']); "
            "print(code, sorted({m.split('.')[0] for m in sys.modules} & "
            "{'PySide6', 'shiboken6', 'pyqtgraph'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 []"


def test_map_hook_is_called_by_name(trained, tmp_path, capsys, monkeypatch):
    from nnviz.render import map as render_map
    calls = []

    def fake_render_map_png(net, dataset, path, *, layer, method, n, theme, **kwargs):
        calls.append((net.sizes, dataset.name, layer, method, n, theme.name))
        Image.new("RGB", (10, 10)).save(path)

    monkeypatch.setattr(render_map, "render_map_png", fake_render_map_png)
    model, data, _ = trained
    code, _, err = run(["evaluate", str(model), "--dataset", str(data), "--png-dir",
                        str(tmp_path), "--map", "1", "--map-method", "tsne"], capsys)
    assert code == 0 and (tmp_path / "map.png").is_file()
    assert calls == [((784, 16, 10), "bars", 1, "tsne", 2000, "light")]
    assert f"wrote {tmp_path / 'map.png'}" in err


@pytest.mark.parametrize("extra, message", [
    (["--map", "1"], "--map writes map.png: give --png-dir DIR too"),
    (["--map", "3", "--png-dir", "PNG"], "--map 3: this network's layers are 0 (pixels) to 2"),
    (["--robustness-n", "0"], "argument --robustness-n: must be an integer ≥ 1, got 0"),
])
def test_bad_options_are_one_line_and_exit_2(trained, tmp_path, capsys, extra, message):
    model, data, _ = trained
    extra = [str(tmp_path / "png") if e == "PNG" else e for e in extra]
    code, _, err = run(["evaluate", str(model), "--dataset", str(data), *extra], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnviz: error: ") and message in lines[0]
    assert not (tmp_path / "png").exists()
