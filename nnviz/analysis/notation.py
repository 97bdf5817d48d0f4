"""How the math is written on screen: superscript layers (``W³``), subscript units (``z²₅``),
shapes (``(256×784)``), numbers with real minus signs (``−0.31``), ``a = f(z)``.

One place, so the stepper, the cells, the curves and every view write the same symbols.
"""

from __future__ import annotations

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sup(n: int) -> str:
    """``3`` → ``³``: layer numbers are written as superscripts, as in the tutorials."""
    return str(n).translate(_SUP)


def shape_text(*dims: int) -> str:
    """``shape_text(256, 784)`` → ``(256×784)``: a matrix's shape as the equations show it."""
    return "(" + "×".join(str(d) for d in dims) + ")"


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
    """A value printed inside a cell (≤ 5 characters for |v| < 100): ``0.12``, ``−1.6``, ``3e−4``."""
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
