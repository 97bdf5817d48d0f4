"""Input fields of the Controls panel: an exact number box and a slider kept in sync with it.

A :class:`NumberBox` shows numbers in ``%g`` form (``1e-3``, ``0.05``), accepts scientific
notation and keeps the exact value it was given, so a configuration survives a round trip
through the panel unchanged. A :class:`SliderField` pairs it with a slider on a linear or a
logarithmic scale; moving either updates the other, and the field emits one
``valueChanged``. Small factories for the panel's combos and integer boxes live here too.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QSlider, QSpinBox, QWidget

# A prefix of a float as typed ("", "1e", "-0.", "3e-"): not yet a number, not yet wrong.
_PARTIAL = re.compile(r"[+-]?(\d*\.?\d*)([eE][+-]?\d*)?")
_EXACT_DECIMALS = 30  # QDoubleSpinBox rounds to `decimals`: this many keeps every float intact


def format_number(value: float, digits: int = 4) -> str:
    """``value`` in ``%g`` form with ``digits`` significant digits, exponents without padding."""
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{value:.{digits}g}").replace("e+", "e")


def round_significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


class NumberBox(QDoubleSpinBox):
    """A spin box that keeps exact values, shows them in ``%g`` form and reads ``1e-3``.

    Parameters
    ----------
    minimum, maximum : float
    step : float
        Arrow-key step on a linear box; ignored when ``log`` is set.
    log : bool
        Arrow keys walk the 1-2-5 sequence (…, 1e-3, 2e-3, 5e-3, 1e-2, …); from 0 (when
        ``minimum`` is 0) the first step up goes to ``log_floor``.
    integer : bool
        Round every value to a whole number.
    suffix : str
    """

    def __init__(self, minimum: float, maximum: float, *, step: float = 1.0, log: bool = False,
                 log_floor: float | None = None, integer: bool = False, suffix: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._log, self._integer = log, integer
        self._log_floor = log_floor if log_floor is not None else max(minimum, 1e-12)
        self.setDecimals(0 if integer else _EXACT_DECIMALS)
        self.setRange(minimum, maximum)
        self.setSingleStep(step)
        self.setSuffix(suffix)
        self.setKeyboardTracking(False)  # emit on Enter / focus-out, not per keystroke
        self.setAlignment(Qt.AlignmentFlag.AlignRight)

    def textFromValue(self, value: float) -> str:
        return format_number(value)

    def valueFromText(self, text: str) -> float:
        try:
            return float(self._strip(text))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        bare = self._strip(text)
        try:
            value = float(bare)
        except ValueError:
            state = (QValidator.State.Intermediate if _PARTIAL.fullmatch(bare)
                     else QValidator.State.Invalid)
            return state, text, pos
        ok = self.minimum() <= value <= self.maximum() and math.isfinite(value)
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        if not self._log:
            super().stepBy(steps)
            return
        value = self.value()
        for _ in range(abs(steps)):
            value = self._log_neighbour(value, steps > 0)
        self.setValue(value)

    def _log_neighbour(self, value: float, up: bool) -> float:
        """The next value of the 1-2-5 sequence above (``up``) or below ``value``, clamped."""
        if value <= 0:
            return self._log_floor if up else 0.0
        exponent = math.floor(math.log10(value))
        grid = [m * 10.0 ** e for e in range(exponent - 1, exponent + 2) for m in (1, 2, 5)]
        grid = [round_significant(g, 1) for g in grid]
        if up:
            bigger = [g for g in grid if g > value * (1 + 1e-9)]
            return min(bigger[0], self.maximum())
        smaller = [g for g in grid if g < value * (1 - 1e-9)]
        nxt = smaller[-1]
        if nxt < self._log_floor:
            return self.minimum() if self.minimum() < self._log_floor else self._log_floor
        return nxt

    def _strip(self, text: str) -> str:
        suffix = self.suffix()
        if suffix and text.endswith(suffix):
            text = text[:-len(suffix)]
        return text.strip().replace(",", ".")


class WheelGuard(QObject):
    """Passes the mouse wheel of an unfocused input to its parents (the scroll area).

    Scrolling down a panel of inputs must not change whichever value passes under the
    pointer; a click (focus) first, then the wheel edits.
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Wheel and not obj.hasFocus():
            event.ignore()  # filtered but not accepted: Qt offers it to the parent next
            return True
        return False


def guard_wheel(widget: QWidget) -> None:
    """Make ``widget`` take the wheel only once it has focus (see :class:`WheelGuard`)."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(WheelGuard(widget))


class LinearScale:
    """Slider positions ``0 .. n`` for ``lo, lo + step, …, hi``."""

    def __init__(self, lo: float, hi: float, step: float):
        self.lo, self.hi, self.step = lo, hi, step
        self.n = round((hi - lo) / step)

    def value(self, pos: int) -> float:
        return round(self.lo + pos * self.step, 10)  # no 0.30000000000000004

    def position(self, value: float) -> int:
        return min(max(round((value - self.lo) / self.step), 0), self.n)


class LogScale:
    """Slider positions for ``lo … hi`` evenly in log10, ``per_decade`` per decade.

    With ``zero`` the first position is 0 and the log range starts one position later.
    Values from positions are rounded to 3 significant digits (a slider cannot pick more).
    """

    def __init__(self, lo: float, hi: float, per_decade: int = 100, zero: bool = False):
        self.lo, self.hi, self.per_decade, self.zero = lo, hi, per_decade, zero
        self._offset = int(zero)
        self.n = round(math.log10(hi / lo) * per_decade) + self._offset

    def value(self, pos: int) -> float:
        if self.zero and pos <= 0:
            return 0.0
        exponent = math.log10(self.lo) + (pos - self._offset) / self.per_decade
        return round_significant(10.0 ** exponent, 3)

    def position(self, value: float) -> int:
        if value <= 0:
            return 0
        pos = round(math.log10(value / self.lo) * self.per_decade) + self._offset
        return min(max(pos, self._offset), self.n)


class SliderField(QWidget):
    """A slider and a :class:`NumberBox` showing the same value.

    The box holds the exact value; the slider shows the nearest position. Emits
    ``valueChanged(float)`` once per change, whichever of the two made it.
    """

    valueChanged = Signal(float)

    def __init__(self, scale: LinearScale | LogScale, box: NumberBox,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.scale, self.box = scale, box
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, scale.n)
        self.slider.setPageStep(max(1, scale.n // 10))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(box)
        guard_wheel(self.slider)
        guard_wheel(box)
        # One width for every field, so the boxes line up down the panel.
        box.setFixedWidth(box.fontMetrics().horizontalAdvance("0.0000 ms") + 30)
        self._from_slider = False
        self.slider.valueChanged.connect(self._slider_moved)
        box.valueChanged.connect(self._box_changed)
        self._place_slider(box.value())

    def value(self) -> float:
        return self.box.value()

    def setValue(self, value: float) -> None:
        """Set the exact value (clamped to the box's range); emits if it changed."""
        self.box.setValue(value)
        self._place_slider(self.box.value())

    def setToolTip(self, text: str) -> None:  # noqa: N802 (Qt naming)
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.box.setToolTip(text)

    def _slider_moved(self, pos: int) -> None:
        self._from_slider = True
        try:
            self.box.setValue(self.scale.value(pos))
        finally:
            self._from_slider = False

    def _box_changed(self, value: float) -> None:
        if not self._from_slider:
            self._place_slider(value)
        self.valueChanged.emit(value)

    def _place_slider(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self.scale.position(value))
        self.slider.blockSignals(False)


def linear_field(lo: float, hi: float, step: float, *, suffix: str = "",
                 integer: bool = False) -> SliderField:
    """A slider field over ``lo … hi`` in steps of ``step``."""
    box = NumberBox(lo, hi, step=step, integer=integer, suffix=suffix)
    return SliderField(LinearScale(lo, hi, step), box)


def log_field(lo: float, hi: float, *, zero: bool = False) -> SliderField:
    """A slider field over ``lo … hi`` on a log scale; with ``zero``, 0 is its first position."""
    box = NumberBox(0.0 if zero else lo, hi, log=True, log_floor=lo)
    return SliderField(LogScale(lo, hi, zero=zero), box)


def combo_box(choices, tip: str) -> QComboBox:
    """A combo of ``(engine name, shown text)`` choices; the name is each item's data."""
    combo = QComboBox()
    for name, text in choices:
        combo.addItem(text, name)
    # Long choices must not widen a ~340 px dock: the popup still shows them in full.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    combo.setToolTip(tip)
    guard_wheel(combo)
    return combo


def int_box(lo: int, hi: int, tip: str, special: str = "") -> QSpinBox:
    """An integer spin box; ``special`` is shown instead of ``lo`` when given."""
    spin = QSpinBox()
    spin.setRange(lo, hi)
    spin.setKeyboardTracking(False)  # one change on Enter, not one per digit typed
    spin.setSpecialValueText(special)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    spin.setToolTip(tip)
    guard_wheel(spin)
    return spin


def select_data(combo: QComboBox, name: str) -> None:
    """Select the item whose data is ``name``; ``ValueError`` if there is none."""
    index = combo.findData(name)
    if index < 0:
        raise ValueError(f"{name!r} is not a choice here")
    combo.setCurrentIndex(index)
