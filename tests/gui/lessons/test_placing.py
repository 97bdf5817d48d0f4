"""The Lessons window and Draw and step side by side: where each goes on screens of any size,
and in the app, after a chapter's set-up brought Draw and step forward."""

import pytest
from PySide6.QtCore import QRect

from nnviz.gui.lessons.placing import GAP, MIN_LESSONS, beside

SCREEN = QRect(0, 0, 1920, 1080)


def test_windows_that_do_not_overlap_stay():
    lessons, other = QRect(0, 0, 800, 900), QRect(900, 50, 700, 700)
    assert beside(lessons, other, SCREEN) == (lessons, other)


def test_the_other_goes_right_of_the_lessons_where_there_is_room():
    lessons, other = QRect(100, 40, 800, 900), QRect(300, 500, 700, 700)
    a, b = beside(lessons, other, SCREEN)
    assert a == lessons
    assert b == QRect(100 + 800 + GAP, 380, 700, 700)  # moved up to stay on the screen
    assert not a.intersects(b) and SCREEN.contains(b)


def test_else_left_of_them():
    lessons, other = QRect(1000, 0, 800, 900), QRect(1100, 0, 700, 700)
    a, b = beside(lessons, other, SCREEN)
    assert a == lessons and b == QRect(1000 - GAP - 700, 0, 700, 700)
    assert not a.intersects(b) and SCREEN.contains(b)


def test_else_they_share_the_width():
    screen = QRect(0, 0, 1366, 768)
    lessons, other = QRect(300, 0, 900, 760), QRect(400, 0, 700, 700)
    a, b = beside(lessons, other, screen)
    assert a == QRect(0, 0, 1366 - 700 - GAP, 760)
    assert b == QRect(1366 - 700, 0, 700, 700)
    assert not a.intersects(b) and screen.contains(a) and screen.contains(b)


def test_a_screen_too_small_for_both_keeps_the_lessons_readable():
    screen = QRect(0, 0, 800, 600)
    a, b = beside(QRect(0, 0, 700, 600), QRect(50, 0, 700, 600), screen)
    assert a.width() == MIN_LESSONS and b.right() == screen.right()  # they overlap: no room
    a, b = beside(QRect(0, 0, 700, 600), QRect(50, 0, 900, 600), screen)
    assert b.left() == 0  # wider than the screen: its left edge stays on it


@pytest.mark.parametrize("x", [0, 700, 1300])
def test_a_chapters_set_up_does_not_cover_the_lessons(qtbot, window, x, monkeypatch):
    from nnviz.gui.lessons import placing
    monkeypatch.setattr(placing, "screen_area", lambda widget: SCREEN)  # offscreen: 800×800
    window.lessons_window.present()
    lessons = window.lessons_window
    qtbot.waitExposed(lessons)
    lessons.setGeometry(x, 0, 600, 800)
    window.explorer_window.present()
    window.explorer_window.setGeometry(400, 20, 1000, 700)
    assert lessons.frameGeometry().intersects(window.explorer_window.frameGeometry())
    view = lessons.centralWidget()
    view.setup_button.click()  # chapter 1: Draw and step in front
    qtbot.waitUntil(lambda: not view.setting_up, timeout=20_000)
    assert window.explorer_window.isVisible()
    assert not lessons.frameGeometry().intersects(window.explorer_window.frameGeometry())
