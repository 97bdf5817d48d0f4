"""How the math is written on screen: superscript layers (``W³``), subscript units (``z²₅``),
shapes (``(256×784)``), numbers with real minus signs (``−0.31``), ``a = f(z)``, and whole
equations set as mathematics in Qt rich text (:func:`equation_html`).

One place, so the stepper, the cells, the curves and every view write the same symbols.
"""

from __future__ import annotations

import html
import re

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sup(n: int) -> str:
    """``3`` → ``³``: layer numbers are written as superscripts, as in the tutorials."""
    return str(n).translate(_SUP)


def shape_text(*dims: int) -> str:
    """``shape_text(256, 784)`` → ``(256×784)``: a matrix's shape as the equations show it."""
    return "(" + "×".join(str(d) for d in dims) + ")"


def maps_text(channels: int, height: int, width: int) -> str:
    """``maps_text(8, 28, 28)`` → ``8 maps of 28×28``: a layer of feature maps in words."""
    return f"{channels} map{'s' if channels != 1 else ''} of {height}×{width}"


SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
F_NAMES = {"relu": "relu", "leaky_relu": "leaky_relu", "sigmoid": "σ", "tanh": "tanh"}


def sub(n: int) -> str:
    """``3`` → ``₃``: unit and input indices are written as subscripts."""
    return str(n).translate(SUBSCRIPT)


def number(v: float, digits: int = 3) -> str:
    """``v`` with ``digits`` significant digits and a real minus sign: ``−0.31``, ``1.58``."""
    v = float(v)
    if v == 0:
        return "0"
    text = f"{v:.{digits}g}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("-", "−")


def cell_number(v: float) -> str:
    """A value printed inside a cell (≤ 5 characters for |v| < 100): ``0.12``, ``−1.6``,
    ``3e−4``."""
    v = float(v)
    if v == 0:
        return "0"
    if abs(v) >= 100:
        text = f"{v:.0f}" if abs(v) < 1e4 else f"{v:.0e}"
    elif abs(v) >= 0.01:
        text = f"{v:.2g}"
    else:
        text = f"{v:.0e}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("-", "−")


def f_text(activation: str) -> str:
    """How ``a = f(z)`` is written for this activation; the output layer has ``a = z``."""
    return "a = z" if activation == "identity" else f"a = {F_NAMES.get(activation, activation)}(z)"


# -- equations as Qt rich text --------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z_]+")
_NOTE_GAP = re.compile(r" {3,}")  # the stepper's equations put their shapes after 3 spaces
MATRICES = frozenset("W")


def _symbol_html(word: str) -> str:
    """One run of Latin letters: a matrix bold (``W``), a variable italic (``z``), a gradient
    ``d`` + its variable (``dW``, ``db``), a function name upright (``softmax``, ``relu``)."""
    if word in MATRICES:
        return f"<b>{word}</b>"
    if len(word) == 1:
        return f"<i>{word}</i>"
    if len(word) == 2 and word[0] == "d":
        return "d" + _symbol_html(word[1])
    return word


def _math_html(text: str) -> str:
    out, end = [], 0
    for m in _WORD.finditer(text):
        out.append(html.escape(text[end:m.start()], quote=False))
        out.append(_symbol_html(m.group()))
        end = m.end()
    out.append(html.escape(text[end:], quote=False))
    return "".join(out)


def equation_html(line: str, *, muted: str = "#808080", small: bool = True) -> str:
    """One equation line as Qt rich text, set the way the tutorials print it.

    Single-letter variables are italic (``z``, ``a``, ``x``, ``b``, ``p``, ``L``…), the weight
    matrices bold upright (``W``, ``Wᵀ``), function names upright (``relu``, ``softmax``);
    Greek letters, operators (``δ σ ⊙ · Σ − ∂``) and the Unicode super- and subscripts are kept
    as they are. What follows a run of three or more spaces — the shapes, ``(256×784)·(784×1)``,
    or a note — is set apart in ``muted`` and ``<small>``. ``<``, ``>`` and ``&`` are escaped.

    Parameters
    ----------
    line : str
        One line of :attr:`nnviz.analysis.stepper.Step.equations`, e.g.
        ``z¹ = W¹·x + b¹   (256×784)·(784×1) + (256×1)``.
    muted : str
        The colour of the shapes, any Qt colour name (``#808080``).
    small : bool
        Shapes in ``<small>`` (the stepper: relative to its font). False sets them in the
        document's own size (``font-size: medium``), for text whose equations are
        ``font-size: large``, as the lessons'.

    Returns
    -------
    str
        Inline rich text (no block element), e.g. ``<i>z</i>¹ = <b>W</b>¹·<i>x</i> +
        <i>b</i>¹&emsp;<span style="color:#808080"><small>(256×784)·…</small></span>``.
        ``<small>`` is relative to the widget's font: give the size with ``setFont``, not
        with a CSS ``font-size`` around it (which Qt would not scale it from).
    """
    math, *notes = _NOTE_GAP.split(line.strip())
    text = _math_html(math)
    if notes:
        note = "&emsp;".join(html.escape(n, quote=False) for n in notes)
        if small:
            return text + f'&emsp;<span style="color:{muted}"><small>{note}</small></span>'
        text += f'&emsp;<span style="color:{muted}; font-size: medium">{note}</span>'
    return text
