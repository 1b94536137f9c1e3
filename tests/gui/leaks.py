"""A GUI test leaves no window behind (napari's ``make_napari_viewer`` checks the same).

A window left over by one test, shown or hidden, keeps its timers, its page and its
database connection alive into the next tests, and a test that passes only because an
earlier one left something behind passes by luck. The ``no_leaked_windows`` fixture in
conftest.py runs :func:`check_no_leaked_windows` after every GUI test's own teardown.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget


def top_level_windows() -> set[QWidget]:
    """Every top-level widget that exists now, after pending deletions have been done."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    return set(QApplication.topLevelWidgets())


def describe(widget: QWidget) -> str:
    name = type(widget).__name__
    if widget.objectName():
        name += f"#{widget.objectName()}"
    if widget.windowTitle():
        name += f" “{widget.windowTitle()}”"
    return name + ("" if widget.isVisible() else " (hidden)")


def check_no_leaked_windows(before: set[QWidget]) -> None:
    """Fail, naming them, if top-level widgets exist now that did not exist ``before``;
    they are closed and deleted first, so the next test starts without them."""
    leaked = top_level_windows() - before
    if not leaked:
        return
    names = sorted(describe(w) for w in leaked)
    for widget in leaked:
        widget.close()
        widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    raise AssertionError(f"the test left {len(names)} window(s) behind: {', '.join(names)} "
                         "(close and delete them in the test, or give them to "
                         "qtbot.addWidget)")
