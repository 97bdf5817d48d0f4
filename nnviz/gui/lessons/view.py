"""The Lessons window's content: eight chapters, each set up, done and checked in the app.

A chapter's text says what to look at and asks for one action. *Set up this chapter* runs the
chapter's set-up steps (preset, network, view, stepper position) through the main window's
commands (:class:`~nnviz.gui.window.commands.WindowCommands`); the chapter's check then runs a
few times a second, so the learner just does the thing: once it passes, the chapter is marked
done and *Next* opens the next one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnviz.gui.lessons.chapters import CHAPTERS, Chapter
from nnviz.gui.lessons.placing import place_beside
from nnviz.gui.lessons.steps import SetupError, Start
from nnviz.gui.timing import LESSONS_CHECK_MS as CHECK_MS
from nnviz.gui.widgets.mathtext import math_family
from nnviz.gui.window.commands import WindowCommands

# Equations in the equations' face, a step larger than the text ("large": relative to the
# document's font, so presenter mode enlarges them too), indented, closer together than
# paragraphs.
STYLE = ("p.eq {{ font-family: '{family}'; font-size: large; margin-left: 18px; "
         "margin-top: 3px; margin-bottom: 3px; }} h2 {{ margin-bottom: 4px; }}")


class LessonsView(QWidget):
    """Chapter list, the chapter's text, Set up / Check / Back / Next and a status line.

    Parameters
    ----------
    main_window : WindowCommands
        The window the chapters set up and check, through its commands.
    chapters : sequence of Chapter

    Signals
    -------
    chapter_changed(int)
        The chapter shown (0-based).

    Attributes
    ----------
    index : int
        The chapter shown.
    done : set of int
        Chapters whose check has passed; *Next* is enabled on these.
    start : Start
        Training's state when the chapter began or was set up (checks count progress from it).
    """

    chapter_changed = Signal(int)

    def __init__(self, main_window: WindowCommands, chapters: tuple[Chapter, ...] = CHAPTERS,
                 parent=None):
        super().__init__(parent)
        self.main_window = main_window
        self.chapters = tuple(chapters)
        self.index = 0
        self.done: set[int] = set()
        self.start = Start()
        self._pending: list = []  # set-up steps waiting for their ``ready`` or ``until``
        self._ran = False  # the first of them has run (and waits for its ``until``)
        self._build()
        self._timer = QTimer(self, interval=CHECK_MS, timeout=self._tick)
        self._timer.start()
        self.go_to(0)

    def _build(self) -> None:
        self.chapter_list = QListWidget()
        self.chapter_list.setMaximumWidth(250)
        self.chapter_list.setMinimumWidth(170)  # the titles stay readable in a narrow window
        for k, chapter in enumerate(self.chapters):
            self.chapter_list.addItem(QListWidgetItem(f"{k + 1}. {chapter.title}"))
        self.chapter_list.setWordWrap(True)
        self.chapter_list.currentRowChanged.connect(self._on_row)
        self.heading = QLabel()
        self.text = QTextBrowser()
        self.text.document().setDefaultStyleSheet(STYLE.format(family=math_family()))
        self.setup_report = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.status = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.setup_button = QPushButton("Set up this chapter")
        self.setup_button.setToolTip("Prepare the app for this chapter: preset, network, view, "
                                     "stepper")
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("See whether the task is done (this also runs by itself, "
                                     "four times a second)")
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setToolTip("Enabled once this chapter's task is done")
        self.setup_button.clicked.connect(self.set_up)
        self.check_button.clicked.connect(self.check)
        self.back_button.clicked.connect(lambda: self.go_to(self.index - 1))
        self.next_button.clicked.connect(lambda: self.go_to(self.index + 1))
        buttons = QHBoxLayout()
        for b in (self.setup_button, self.check_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.back_button, self.next_button):
            buttons.addWidget(b)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.text, 1)
        right.addWidget(self.setup_report)
        right.addWidget(self.status)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.chapter_list)
        layout.addLayout(right, 1)

    # -- navigation ---------------------------------------------------------------------------

    @property
    def chapter(self) -> Chapter:
        return self.chapters[self.index]

    def go_to(self, index: int) -> None:
        """Show chapter ``index`` (clipped to the chapters there are)."""
        self.index = max(0, min(int(index), len(self.chapters) - 1))
        self.start = Start.of(self.main_window)
        self._pending, self._ran = [], False
        self.heading.setText(f"Chapter {self.index + 1} of {len(self.chapters)}")
        self.text.setHtml(self._html(self.chapter))
        self.setup_report.setText("Press <b>Set up this chapter</b>, then do what <i>Your "
                                  "turn</i> asks.")
        self.status.setText("")
        self._update_list()
        self._update_buttons()
        self.chapter_changed.emit(self.index)

    def _on_row(self, row: int) -> None:
        if row >= 0 and row != self.index:
            self.go_to(row)

    def _html(self, chapter: Chapter) -> str:
        gives = "; ".join(step.text for step in chapter.setup)
        return (f"<h2>{self.index + 1}. {chapter.title}</h2>{chapter.body}"
                f"<h3>What to look at</h3><p>{chapter.look}</p>"
                f"<h3>Your turn</h3><p>{chapter.task}</p>"
                f"<p><i>Set up this chapter gives you: {gives}.</i></p>")

    def _update_list(self) -> None:
        """✓ on the chapters done; only those up to the first one not done can be opened."""
        furthest = max([self.index, *(k + 1 for k in self.done)])
        for k, chapter in enumerate(self.chapters):
            item = self.chapter_list.item(k)
            item.setText(f"{'✓' if k in self.done else f'{k + 1}.'} {chapter.title}")
            flags = item.flags()
            enabled = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            item.setFlags(flags | enabled if k <= furthest else flags & ~enabled)
        self.chapter_list.blockSignals(True)
        self.chapter_list.setCurrentRow(self.index)
        self.chapter_list.blockSignals(False)

    def _update_buttons(self) -> None:
        self.back_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index in self.done and self.index < len(self.chapters) - 1)

    # -- set up and check ---------------------------------------------------------------------

    def set_up(self) -> None:
        """Run the chapter's set-up steps; those that are not ready yet wait on the timer."""
        if self.main_window.model.dataset is None:
            self.setup_report.setText("Open a dataset first: <b>File → Download dataset…</b> "
                                      "(MNIST) or <b>File → Open dataset…</b>.")
            return
        self.start = Start.of(self.main_window)
        self._pending, self._ran = list(self.chapter.setup), False
        self._continue_setup()

    @property
    def setting_up(self) -> bool:
        """Set-up steps are still waiting to run."""
        return bool(self._pending)

    def _continue_setup(self) -> None:
        w = self.main_window
        while self._pending:
            step = self._pending[0]
            if not self._ran:
                if step.ready is not None and not step.ready(w):
                    self.setup_report.setText(f"Setting up: waiting for the network "
                                              f"({step.text})…")
                    return
                try:
                    step.run(w)
                except SetupError as exc:
                    self._give_up(exc)
                    return
                self._ran = True
            try:
                waiting = step.until is not None and not step.until(w)
            except SetupError as exc:
                self._give_up(exc)
                return
            if waiting:
                self.setup_report.setText(f"Setting up: waiting for {step.text} to load (File "
                                          f"→ Download dataset… if they are not here)…")
                return
            self._pending.pop(0)
            self._ran = False
        gives = "; ".join(step.text for step in self.chapter.setup)
        self.setup_report.setText(f"Set up ✓ {gives}.")
        if not self.isWindow() and self.window().isVisible():
            # Draw and step, brought forward, must not cover the lesson being read.
            place_beside(self.window(), self.main_window.explorer_window)

    def _give_up(self, reason: SetupError) -> None:
        self._pending, self._ran = [], False
        self.setup_report.setText(f"Cannot set this chapter up: {reason}.")

    def check(self) -> bool:
        """Check the chapter's task; show "Done ✓" or what is still missing."""
        missing = self.chapter.missing(self.main_window, self.start)
        if missing and self.index not in self.done:
            self.status.setText(f"Not yet: {missing}")
            return False
        if self.index not in self.done:
            self.done.add(self.index)
            self._update_list()
            self._update_buttons()
        last = self.index == len(self.chapters) - 1
        self.status.setText("<b>Done ✓</b> " + (f"All {len(self.chapters)} chapters are done."
                                                 if last else "Press <b>Next</b> when ready."))
        return True

    def _tick(self) -> None:
        if not self.isVisible():
            return
        if self._pending:
            self._continue_setup()
        elif self.index not in self.done:
            self.check()
