"""README's "Presets" table says what presets.py holds: one row per preset with its network,
optimiser, learning rate, schedule, batch size and epochs."""

from pathlib import Path

import pytest

from nnviz.engine.presets import PRESETS

README = Path(__file__).resolve().parents[2] / "README.md"
COLUMNS = ["name", "what it is", "optimiser", "learning rate", "schedule", "batch", "epochs"]
WORDS = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "leaky_relu": "leaky ReLU",
         "he": "He init", "xavier": "Xavier init", "uniform": "uniform ±0.5 init",
         "normal": "normal init", "cross_entropy": "cross-entropy", "mse": "MSE on the softmax"}


def preset_table() -> dict[str, dict[str, str]]:
    """The rows of the table under README's "### Presets", by preset name."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Presets"):]
    lines = [ln.strip() for ln in section.splitlines()[1:]]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("|"))
    rows = []
    for ln in lines[start:]:
        if not ln.startswith("|"):
            break
        rows.append([cell.strip() for cell in ln.strip("|").split("|")])
    header, _rule, *body = rows
    assert header == COLUMNS
    return {row[0].strip("`"): dict(zip(COLUMNS, row)) for row in body}


def schedule_text(c) -> str:
    if c.schedule == "cosine":
        return f"cosine decay to {c.min_lr_factor:g}" + ("" if not c.min_lr_factor else " × lr")
    if c.schedule == "step":
        return f"× {c.gamma:g} every {c.step_epochs:g} epochs"
    return c.schedule


def optimiser_text(c) -> str:
    if c.optimizer == "adam":
        return "Adam" if not c.momentum else f"Adam, β₁ {c.momentum:g}"
    return "SGD" if not c.momentum else f"SGD, momentum {c.momentum:g}"


def test_the_table_has_one_row_per_preset():
    assert list(preset_table()) == list(PRESETS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_row_gives_the_presets_real_numbers(name):
    row, c = preset_table()[name], PRESETS[name].config
    assert float(row["learning rate"]) == c.lr
    assert row["schedule"] == schedule_text(c)
    assert row["optimiser"] == optimiser_text(c)
    assert row["batch"] == ("full" if c.batch_size == 0 else str(c.batch_size))
    assert int(row["epochs"]) == c.epochs
    what = row["what it is"]
    network = f"`{c.arch}`" if c.arch else "-".join(map(str, (784, *c.hidden, 10)))
    assert what.startswith(network + " ")
    for key in (*c.activations, c.init, c.loss):
        assert WORDS[key] in what, f"{name}: {WORDS[key]!r} missing from {what!r}"
    assert (f"×{c.init_scale:g}" in what) == (c.init_scale != 1)
