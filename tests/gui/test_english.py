"""``--lang en``: every string the application owns is English.

The test walks every widget of the main window and of each dialog an operator can open,
and collects what a user reads — window and dock titles, menus, actions, labels, buttons,
check boxes, list choices, tab names, table headers, placeholders, tooltips — then fails
on any Han character. Data values (what people typed: descriptions, addresses, names of
places) are not walked: table cells, list items and text boxes hold data.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QWidget,
)

from tests.gui.conftest import settle
from xjwc_desktop.core.i18n import set_language
from xjwc_desktop.core.workflow import Action, Role

HAN = re.compile(r"[\u3400-\u9fff]")


def texts_of(root: QWidget) -> set[str]:
    """What a user reads in ``root`` and its children (not the data they show)."""
    seen: set[str] = {root.windowTitle()}
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if w.toolTip():
            seen.add(w.toolTip())
        for action in w.actions():
            seen |= {action.text(), action.toolTip()}
        if isinstance(w, QLabel | QAbstractButton):
            seen.add(w.text())
        elif isinstance(w, QComboBox):
            seen |= {w.itemText(i) for i in range(w.count())}
        elif isinstance(w, QTabBar):
            seen |= {w.tabText(i) for i in range(w.count())}
        elif isinstance(w, QDockWidget | QGroupBox):
            seen.add(w.windowTitle() if isinstance(w, QDockWidget) else w.title())
        elif isinstance(w, QMenu):
            seen.add(w.title())
        elif isinstance(w, QLineEdit | QPlainTextEdit):
            seen.add(w.placeholderText())
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            try:
                columns = model.columnCount(QModelIndex())
            except TypeError:  # a list model (a completer's): no headers to read
                continue
            seen |= {str(model.headerData(c, Qt.Orientation.Horizontal) or "")
                     for c in range(columns)}
    return {t for t in seen if t}


def chinese(texts: set[str], data: set[str] = frozenset()) -> list[str]:
    return sorted(t for t in texts if HAN.search(t) and t not in data)


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("zh")


def test_the_window_and_its_dialogs_are_english(qtbot, make_window, demo_db, english):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    # Data the window shows as it is: the place names of the case on show.
    ws.view.select([ws.case_list.model.rowid_at(0)])
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None)
    data = {ws.case_panel.header.text(), ws.case_panel.header.toolTip()}
    found = chinese(texts_of(window), data)
    for view in (1, 2):
        window.show_view(view)
        settle(qtbot, window)
    qtbot.waitUntil(lambda: ws.dashboard.dashboard is not None)
    found += chinese(texts_of(ws.dashboard), data)
    window.show_view(0)
    dialogs = []
    ws.view.set_role(Role.SUPERVISOR)
    for action in (Action.REGISTER, Action.VOID):
        dialogs.append(ws.case_panel.start_step(action))
    dialogs.append(ws.cases.new_case(121.5046, 31.3268))
    dialogs.append(ws.cases.export())
    dialogs.append(ws.cases.import_file())
    dialogs.append(ws.cases.edit_categories())
    dialogs.append(ws.sync.edit_server())
    for dialog in dialogs:
        found += chinese(texts_of(dialog), data)
        dialog.close()
    assert found == [], "\n".join(found)


def test_buttons_name_actions_and_sources_have_their_english_names(qtbot, make_window,
                                                                   english):
    from xjwc_desktop.core.model import CaseSource

    window = make_window()
    steps = window.workspace.case_panel.steps
    assert steps.buttons[Action.REGISTER].text() == "Register"  # not "Registered"
    assert steps.buttons[Action.DISPATCH].text() == "Dispatch"
    assert steps.buttons[Action.CLOSE].text() == "Close"
    checks = window.workspace.filters.source_checks
    assert checks[CaseSource.DALIANDONG.value].text() == \
        "Daliandong (joint-response) platform"
    statuses = window.workspace.filters.status_checks
    assert statuses["registered"].text() == "Registered"  # the state keeps its name
