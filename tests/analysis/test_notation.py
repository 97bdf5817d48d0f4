"""Equations as mathematics: the stepper's real lines, set by ``equation_html`` as Qt rich text
(italic variables, bold matrices, upright functions, muted shapes)."""

import html
import re

import numpy as np
import pytest

from nnviz.analysis.notation import equation_html
from nnviz.analysis.stepper import Stepper
from nnviz.engine.network import MLP

SHAPES = '&emsp;<span style="color:#808080"><small>{}</small></span>'


@pytest.fixture(scope="module")
def steps():
    """The steps of a 4–3–2 relu network, by kind (backward: output layer first)."""
    net = MLP((4, 3, 2), ["relu"], seed=0, dtype=np.float64)
    st = Stepper(net, np.linspace(0.0, 1.0, 4), 1)
    by_kind = {}
    for s in st.steps:
        by_kind.setdefault(s.kind, []).append(s)
    return st, by_kind


def html_of(step):
    return [equation_html(e) for e in step.equations]


def test_forward_pass(steps):
    _, k = steps
    assert html_of(k["input"][0]) == ["<i>x</i>" + SHAPES.format("(4×1)")]
    layer1, layer2 = k["forward"]
    assert html_of(layer1) == [
        "<i>z</i>¹ = <b>W</b>¹·<i>x</i> + <i>b</i>¹" + SHAPES.format("(3×4)·(4×1) + (3×1) → (3×1)"),
        "<i>a</i>¹ = relu(<i>z</i>¹)" + SHAPES.format("(3×1)")]
    assert html_of(layer2) == [
        "<i>z</i>² = <b>W</b>²·<i>a</i>¹ + <i>b</i>²"
        + SHAPES.format("(2×3)·(3×1) + (2×1) → (2×1)")]
    assert html_of(k["softmax"][0]) == [
        "<i>p</i> = softmax(<i>z</i>²) = exp(<i>z</i> − max <i>z</i>) / "
        "Σ exp(<i>z</i> − max <i>z</i>)" + SHAPES.format("(2×1)")]


def test_loss_has_no_shapes_and_keeps_its_value(steps):
    st, k = steps
    assert html_of(k["loss"][0]) == [
        "<i>L</i> = −log <i>p</i>[1] = −log softmax(<i>z</i>²)[1]",
        "= log Σₖ exp(<i>z</i>²ₖ − max <i>z</i>²) − (<i>z</i>²[1] − max <i>z</i>²) = "
        f"{st.trace.loss:.4g}"]
    assert "span" not in "".join(html_of(k["loss"][0]))


def test_backward_pass(steps):
    _, k = steps
    output, hidden = k["backward"]
    assert html_of(output) == [
        "δ² = ∂<i>L</i>/∂<i>z</i>² = <i>p</i> − <i>Y</i>"
        + SHAPES.format("(Y one-hot at 1)&emsp;(2×1)"),
        "d<b>W</b>² = δ²·<i>a</i>¹ᵀ" + SHAPES.format("(2×1)·(1×3) → (2×3)"),
        "d<i>b</i>² = δ²" + SHAPES.format("(2×1)")]
    assert html_of(hidden) == [
        "δ¹ = <b>W</b>²ᵀ·δ² ⊙ relu′(<i>z</i>¹)" + SHAPES.format("(3×2)·(2×1) ⊙ (3×1)"),
        "d<b>W</b>¹ = δ¹·<i>x</i>ᵀ" + SHAPES.format("(3×1)·(1×4) → (3×4)"),
        "d<i>b</i>¹ = δ¹" + SHAPES.format("(3×1)")]
    assert html_of(k["input_grad"][0]) == [
        "∂<i>L</i>/∂<i>x</i> = <b>W</b>¹ᵀ·δ¹" + SHAPES.format("(4×3)·(3×1) → (4×1)")]


def test_mse_delta_keeps_its_inner_gap_and_the_note_stays_upright():
    net = MLP((4, 3, 2), ["sigmoid"], seed=1, dtype=np.float64)
    st = Stepper(net, np.linspace(0.0, 1.0, 4), 0, loss="mse")
    loss, = [s for s in st.steps if s.kind == "loss"]
    assert [equation_html(e, muted="#aabbcc") for e in loss.equations] == [
        "<i>L</i> = Σₖ (<i>p</i>ₖ − <i>Y</i>ₖ)²&emsp;<span style=\"color:#aabbcc\"><small>"
        f"with Y the one-hot target (0) = {st.trace.loss:.4g}</small></span>"]
    hidden = [s for s in st.steps if s.kind == "backward"][1]
    assert equation_html(hidden.equations[0]) == (
        "δ¹ = <b>W</b>²ᵀ·δ² ⊙ sigmoid′(<i>z</i>¹)" + SHAPES.format("(3×2)·(2×1) ⊙ (3×1)"))
    output = [s for s in st.steps if s.kind == "backward"][0]
    assert equation_html(output.equations[0]) == (
        "δ² = ∂<i>L</i>/∂<i>z</i>² = <i>p</i> ⊙ (<i>g</i> − (<i>g</i>·<i>p</i>)),  "
        "<i>g</i> = 2(<i>p</i> − <i>Y</i>)" + SHAPES.format("(2×1)"))


def test_markup_characters_are_escaped():
    assert equation_html("a < b & c > d   (1×1) <x>", muted="red") == (
        "<i>a</i> &lt; <i>b</i> &amp; <i>c</i> &gt; <i>d</i>&emsp;"
        "<span style=\"color:red\"><small>(1×1) &lt;x&gt;</small></span>")
    assert equation_html("leaky_relu(z) = dz") == "leaky_relu(<i>z</i>) = d<i>z</i>"


def test_no_character_of_the_line_is_lost(steps):
    """Tags removed and entities decoded, every line reads exactly as the stepper wrote it."""
    st, _ = steps
    lines = [e for s in st.steps for e in s.equations]
    assert len(lines) == 14
    for line in lines:
        text = html.unescape(re.sub(r"<[^>]+>", "", equation_html(line)))
        assert text == line.replace("   ", "\u2003")


def test_shapes_in_the_documents_size_for_text_whose_equations_are_large():
    assert equation_html("db² = δ²   (10×1)", small=False) == (
        "d<i>b</i>² = δ²&emsp;<span style=\"color:#808080; font-size: medium\">(10×1)</span>")
    assert equation_html("L = 2", small=False) == equation_html("L = 2") == "<i>L</i> = 2"
