"""The workflow inside the main window: pick a case, act on it, place a new one on the map."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import count_row, run_js, run_script, settle
from xjwc_desktop.core.workflow import Action, Role
from xjwc_desktop.gui.cases.qt_new_case import QtNewCaseDialog
from xjwc_desktop.gui.cases.qt_step_dialog import QtStepDialog


def test_selecting_a_row_shows_it_in_the_case_panel(qtbot, make_window):
    window = make_window()
    ws = window.workspace
    ws.case_list.view.selectRow(0)
    rowid = ws.case_list.model.rowid_at(0)
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None)
    assert ws.case_panel.snapshot.ref.rowid == rowid
    assert ws.case_panel.snapshot.case_no in ws.case_panel.header.text()
    assert ws.view.current.rowid == rowid


def test_new_case_placed_by_a_click_on_the_map(qtbot, make_window, demo_db):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    before = ws.case_list.model.rowCount()
    # Measure only once Leaflet has the view's size (it takes it on an animation frame).
    qtbot.waitUntil(lambda: run_script(qtbot, window, "window[XJWC_CONFIG.map].getSize().x")
                    == ws.map.view.width())
    # Click where an existing case is drawn: the new case lands on (about) its position.
    rowid = ws.case_list.model.rowid_at(0)
    x, y = run_js(qtbot, window, "containerPointOf", rowid)
    ws.cases.new_action.trigger()
    QTest.mouseClick(ws.map.view.focusProxy(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))
    qtbot.waitUntil(lambda: any(isinstance(w, QtNewCaseDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()))
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, QtNewCaseDialog) and w.isVisible())
    lon, lat = count_row(demo_db, "SELECT lon, lat FROM cases WHERE rowid = ?", rowid)
    assert abs(float(dialog.lon.text()) - lon) < 0.0003  # a pixel or two at this zoom
    assert abs(float(dialog.lat.text()) - lat) < 0.0003
    dialog.category.setCurrentIndex(dialog.category.findData("E0201"))
    dialog.description.setPlainText("电线杆上张贴小广告")
    with qtbot.waitSignal(dialog.created) as created:
        dialog.save()
    qtbot.waitUntil(lambda: ws.case_list.model.rowCount() == before + 1)
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None
                    and ws.case_panel.snapshot.case_id == created.args[0])
    assert ws.case_panel.snapshot.status.value == "reported"
    # The new case is the selected row of the list, and ringed on the map.
    new_rowid = ws.case_panel.snapshot.ref.rowid
    qtbot.waitUntil(lambda: ws.view.selection == (new_rowid,))
    qtbot.waitUntil(lambda: run_js(qtbot, window, "selectedRowids") == [new_rowid])


def test_a_step_in_the_panel_updates_the_list(qtbot, make_window, demo_db):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    rowid, = count_row(demo_db, "SELECT rowid FROM cases WHERE status = 'verified' LIMIT 1")
    ws.view.select([rowid])
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None
                    and ws.case_panel.snapshot.ref.rowid == rowid)
    ws.case_panel.steps.set_role(Role.SUPERVISOR)
    ws.case_panel.steps.buttons[Action.CLOSE].click()
    dialog = ws.case_panel.dialog
    assert isinstance(dialog, QtStepDialog)
    assert dialog.ok.text() == "结案"
    dialog.ok.click()
    model = ws.case_list.model
    row = model.row_of(rowid)
    qtbot.waitUntil(lambda: (model.row_values(row) or ("",) * 4)[3] == "结案")
    # The list and the panel each read the case again on the one announcement, on the read
    # pool: either may answer first, so the panel is waited for too, not asserted at once.
    qtbot.waitUntil(lambda: ws.case_panel.fields.value("状态") == "结案")
    qtbot.waitUntil(lambda: ws.case_panel.dialog is None)  # done: the form closed itself
