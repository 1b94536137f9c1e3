"""Answering a modal dialog the moment it is up, not after a guessed number of milliseconds.

``dialog.exec()`` runs its own event loop: the test's code is stuck inside the click that
opened it, so the answer has to come from that loop. :func:`answering` polls for the
dialog (as ``qtbot.waitUntil`` polls for its condition) from a timer, and timers only run
inside an event loop: once the dialog is up, the next poll is inside exec()'s own loop
(or, for ``open()``, the caller's), whether the machine is idle or busy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

POLL_MS = 10  # how often to look, not how long to wait


class _Answerer:
    def __init__(self, kind: type, answer: Callable[[QDialog], None]) -> None:
        self.kind, self.answer = kind, answer
        self.answered: list[QDialog] = []
        self.timer = QTimer()
        self.timer.timeout.connect(self._look)

    def _look(self) -> None:
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, self.kind) and w.isVisible()), None)
        if dialog is None:
            return
        self.timer.stop()
        self.answered.append(dialog)
        try:
            self.answer(dialog)
        finally:
            if dialog.isVisible():  # the answer failed: never leave exec() waiting forever
                dialog.reject()


@contextlib.contextmanager
def answering(kind: type, answer: Callable[[QDialog], None]) -> Iterator[_Answerer]:
    """Answer the first ``kind`` dialog shown inside the block with ``answer(dialog)``;
    the block fails if none was shown."""
    answerer = _Answerer(kind, answer)
    answerer.timer.start(POLL_MS)
    try:
        yield answerer
    finally:
        answerer.timer.stop()
    assert answerer.answered, f"no {kind.__name__} was shown"


def step_answer(*, department: str | None = None, note: str = "",
                hours: float | None = None) -> Callable[[QDialog], None]:
    """Fill in a workflow step dialog (QtStepDialog) and press OK."""
    def answer(dialog) -> None:
        if department:
            index = dialog.department.findText(department)
            assert index >= 0, f"no department {department}"
            dialog.department.setCurrentIndex(index)
        dialog.note.setPlainText(note)
        if hours is not None:
            dialog.hours.setValue(hours)
        dialog.accept()

    return answer


def answering_step(**answers) -> contextlib.AbstractContextManager:
    """Answer the step dialog the next click opens (see :func:`step_answer`)."""
    from xjwc_desktop.gui.cases.qt_step_dialog import QtStepDialog

    return answering(QtStepDialog, step_answer(**answers))


def press(text: str) -> Callable[[QDialog], None]:
    """Press the message box button labelled ``text``."""
    def answer(box: QMessageBox) -> None:
        next(b for b in box.buttons() if b.text() == text).click()

    return answer
