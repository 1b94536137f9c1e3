"""The workflow inside the main window: pick a case, act on it, place a new one on the map."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import run_js
from tests.gui.dialogs import answering_step
from tests.gui.page_waits import wait_map_sized
from xjwc_desktop.core.workflow import Action, Role
from xjwc_desktop.gui.qt_new_case import QtNewCaseDialog
from xjwc_desktop.gui.qt_workflow_dock import install_workflow


def test_selecting_a_row_shows_it_in_the_workflow_dock(qtbot, make_window):
    window = make_window()
    hooks = install_workflow(window)
    window.table.view.selectRow(0)
    rowid = window.table.model.rowid_at(0)
    qtbot.waitUntil(lambda: hooks.panel.case is not None)
    assert hooks.panel.case["id"] == hooks.id_of(rowid)
    assert hooks.panel.case["case_no"] in hooks.panel.header.text()


def test_new_case_placed_by_a_click_on_the_map(qtbot, make_window, demo_db):
    window = make_window()
    wide = window.map.width()
    hooks = install_workflow(window)
    before = window.table.model.rowCount()
    # The dock narrows the map: measure only once Leaflet has taken the new size.
    qtbot.waitUntil(lambda: window.map.width() < wide)
    wait_map_sized(qtbot, window)
    # Click where an existing case is drawn: the new case lands on (about) its position.
    rowid = window.table.model.rowid_at(0)
    x, y = run_js(qtbot, window, "containerPointOf", rowid)
    hooks.new_action.trigger()
    QTest.mouseClick(window.map.focusProxy(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))
    qtbot.waitUntil(lambda: any(isinstance(w, QtNewCaseDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()))
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, QtNewCaseDialog) and w.isVisible())
    with demo_db.engine.connect() as conn:
        lon, lat = conn.exec_driver_sql("SELECT lon, lat FROM cases WHERE rowid = ?",
                                        (rowid,)).one()
    assert abs(float(dialog.lon.text()) - lon) < 0.0003  # a pixel or two at this zoom
    assert abs(float(dialog.lat.text()) - lat) < 0.0003
    dialog.category.setCurrentIndex(dialog.category.findData("E0201"))
    dialog.description.setPlainText("电线杆上张贴小广告")
    with qtbot.waitSignal(dialog.created) as created:
        dialog.save()
    qtbot.waitUntil(lambda: window.table.model.rowCount() == before + 1)
    assert hooks.panel.case["id"] == created.args[0]
    assert hooks.panel.case["status"] == "reported"


def test_a_step_in_the_dock_updates_the_list(qtbot, make_window, demo_db):
    window = make_window()
    hooks = install_workflow(window)
    with demo_db.engine.connect() as conn:
        rowid, case_id = conn.exec_driver_sql(
            "SELECT rowid, id FROM cases WHERE status = 'verified' LIMIT 1").one()
    hooks.panel.show_case_id(case_id)
    hooks.panel.actions.set_role(Role.SUPERVISOR)

    with answering_step(), qtbot.waitSignal(hooks.panel.case_changed):
        hooks.panel.actions.buttons[Action.CLOSE].click()
    row = window.table.model.row_of(rowid)
    status_col = next(i for i in range(window.table.model.columnCount())
                      if window.table.model.headerData(i, Qt.Orientation.Horizontal) == "状态")
    qtbot.waitUntil(lambda: window.table.model.data(
        window.table.model.index(row, status_col)) == "结案")
