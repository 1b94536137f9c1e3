"""Defects a documentation pass found in the case panel, the dashboard and the registers."""

from __future__ import annotations

import pytest

from tests.gui.conftest import settle


def test_case_on_show_survives_a_visit_to_the_dashboard(qtbot, make_window):
    """The list's selected row, the case panel and the map agree after 看板 and back."""
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    rowid = ws.case_list.model.rowid_at(0)
    ws.case_list.view.selectRow(0)
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None)
    case_no = ws.case_panel.snapshot.case_no
    window.show_view(1)
    qtbot.waitUntil(lambda: ws.dashboard.dashboard is not None and ws.tasks.idle)
    window.show_view(0)
    settle(qtbot, window)
    assert ws.view.current is not None
    assert ws.view.current.rowid == rowid
    assert ws.view.selection == (rowid,)
    assert [i.row() for i in ws.case_list.view.selectionModel().selectedRows()] == [0]
    assert ws.case_panel.snapshot is not None
    assert ws.case_panel.snapshot.case_no == case_no
    assert case_no in ws.case_panel.header.text()


def test_panel_and_due_list_say_the_same_time_past(qtbot, demo_db, frozen_clock):
    """The case panel's light and the 超期/临期 row of the same case read alike."""
    from tests.gui.test_workflow_widgets import Kit
    from xjwc_desktop.gui.cases.qt_due_list import QtDueList

    frozen_clock.set("2026-11-23 10:30:00")  # the demo's open 2015 cases: years overdue
    kit = Kit(qtbot, demo_db)
    try:
        due = QtDueList(kit.tasks)
        qtbot.addWidget(due)
        due.show()
        qtbot.waitUntil(lambda: due.due is not None)
        row = due.model.rows[0]
        listed = due.model.data(due.model.index(0, 0))
        assert listed.startswith("超期")
        assert listed.endswith("工作日")
        assert "." not in listed  # whole days
        panel = kit.panel()
        kit.show(panel, row.case_id)
        assert listed in panel.light.text(), (listed, panel.light.text())
    finally:
        kit.tasks.shutdown()


PROMPT = "请在地图上点选案件位置（Esc 取消）"


def test_new_case_prompt_goes_when_the_form_is_cancelled(qtbot, make_window):
    """Ctrl+N, a point on the map, 取消: the status bar no longer asks for a point."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from xjwc_desktop.gui.cases.qt_new_case import QtNewCaseDialog

    window = make_window()
    ws = window.workspace
    bar = window.statusBar()
    ws.cases.new_action.trigger()
    assert bar.currentMessage() == PROMPT
    target = ws.map.view.focusProxy()
    centre = QPoint(target.width() // 2, target.height() // 2)
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    qtbot.waitUntil(lambda: isinstance(ws.cases.last_dialog, QtNewCaseDialog))
    dialog = ws.cases.last_dialog
    with qtbot.waitSignal(dialog.finished):
        dialog.reject()
    assert bar.currentMessage() != PROMPT


def test_new_case_prompt_goes_on_esc(qtbot, make_window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    rowid = ws.case_list.model.rowid_at(0)
    ws.case_list.select_rowid(rowid)
    bar = window.statusBar()
    ws.cases.new_action.trigger()
    assert bar.currentMessage() == PROMPT
    QTest.keyClick(ws.map.view.focusProxy(), Qt.Key.Key_Escape)
    assert bar.currentMessage() != PROMPT
    assert ws.cases.pick is None
    assert ws.view.current.rowid == rowid  # this Esc cancelled the pick, nothing else


def test_register_rows_show_their_address_in_a_column_that_fits(qtbot, demo_db):
    """登记册 · 违法建筑: every row has its 地址, in a column wide enough to read it."""
    from xjwc_desktop.gui.registers.qt_register_tables import ADDRESS_SAMPLE, QtRegisterTables
    from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

    tasks = QtTaskManager(demo_db)
    try:
        tables = QtRegisterTables(tasks)
        qtbot.addWidget(tables)
        tables.resize(1200, 500)
        with qtbot.waitSignal(tables.loaded, check_params_cb=lambda k: k == "illegal_structures"):
            tables.show()
        model, view = tables.models["illegal_structures"], tables.tables["illegal_structures"]
        column = model.register.columns.index("地址")
        addresses = [model.data(model.index(r, column)) for r in range(model.rowCount())]
        assert model.rowCount() > 100
        assert all(addresses), "rows without 地址"
        metrics = view.fontMetrics()
        assert view.columnWidth(column) >= metrics.horizontalAdvance(ADDRESS_SAMPLE)
        assert view.columnWidth(column) >= max(metrics.horizontalAdvance(a) for a in addresses)
    finally:
        tasks.shutdown()


def test_case_panel_fits_the_dock_under_the_map(qtbot, demo_db, frozen_clock):
    """At 1366×768 the 办理 tab is about 410×80 px: the red banner wraps (no sideways
    scrolling) and every step button is whole, in rows, within reach."""
    from PySide6.QtWidgets import QAbstractButton

    from tests.gui.conftest import count
    from tests.gui.test_workflow_widgets import Kit

    frozen_clock.set("2026-11-23 10:30:00")  # long overdue: a long red banner
    case_id = count(demo_db, "SELECT id FROM cases WHERE status = 'dispatched' LIMIT 1")
    kit = Kit(qtbot, demo_db)
    try:
        panel = kit.panel()
        panel.add_command(kit_print_action(panel))
        panel.resize(330, 150)
        kit.show(panel, case_id)
        qtbot.waitUntil(lambda: panel.light.text().startswith("红灯"))
        area, light = panel.tabs.widget(0), panel.light  # 办理, scrolled
        assert light.wordWrap()
        # Once laid out (posted layout requests run): the banner wrapped, not cut.
        qtbot.waitUntil(lambda: light.height() >= light.heightForWidth(light.width()) > 0)
        assert area.widget().width() <= area.viewport().width()
        assert not area.horizontalScrollBar().isVisible()
        buttons = [b for b in area.widget().findChildren(QAbstractButton) if b.isVisible()]
        assert len(buttons) >= 5, [b.text() for b in buttons]
        inside = area.widget().rect()
        for b in buttons:
            box = b.geometry().translated(b.parentWidget().mapTo(area.widget(), b.pos())
                                          - b.pos())
            assert inside.contains(box), (b.text(), box, inside)  # reachable by scrolling
            assert b.width() >= b.sizeHint().width(), b.text()  # whole
        boxes = [b.geometry() for b in buttons]
        assert not any(a.intersects(c) for i, a in enumerate(boxes) for c in boxes[i + 1:])
    finally:
        kit.tasks.shutdown()


def kit_print_action(panel):
    from PySide6.QtGui import QAction

    return QAction("打印案卷……", panel)


def test_a_case_that_goes_is_let_go_by_every_panel(qtbot, make_window, demo_db):
    """The case on show is deleted (a sync withdrew it): the panel does not say 未选择
    beside a row still selected; list, map and panel all let it go together."""
    from xjwc_desktop.core.changes import Changes

    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    ws.case_list.view.selectRow(0)
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None and ws.tasks.idle)
    case_id = ws.case_panel.snapshot.case_id

    def delete(db):
        with db.write() as s:
            s.connection().exec_driver_sql(
                "UPDATE cases SET deleted_at = '2015-11-01 00:00:00.000000' WHERE id = ?",
                (case_id,))
        return Changes.of_cases(removed=[case_id])

    ws.tasks.write(lambda db: delete(db))
    qtbot.waitUntil(lambda: ws.view.current is None and ws.tasks.idle)
    settle(qtbot, window)
    assert ws.view.selection == ()
    assert ws.case_list.view.selectionModel().selectedRows() == []
    assert ws.case_panel.snapshot is None
    assert "已被删除或撤回" in ws.case_panel.message.text()


def test_a_page_error_takes_one_line_of_the_status_bar(qtbot, make_window):
    """A map page error with its stack trace: one line in the status bar (the whole text
    in its tooltip), so the docks keep their height."""
    window = make_window()
    bar = window.statusBar()
    height = bar.height()
    trace = "地图数据加载失败：Error: Invalid LatLng object: (NaN, NaN)\n" + "\n".join(
        f"    at f{i} (xjwc://app/assets/leaflet/leaflet.js:5:{i})" for i in range(8))
    window.workspace.map.status.emit(trace)
    assert "\n" not in window.map_status.text()
    assert window.map_status.text().startswith("地图数据加载失败")
    assert window.map_status.toolTip() == trace
    assert bar.sizeHint().height() <= height + 2


def test_work_asked_for_after_the_window_closed_is_not_started(demo_db):
    """The map page may still ask for its cases while the window closes (seen once in ten
    runs): the closed task manager starts nothing and raises nothing."""
    from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

    tasks = QtTaskManager(demo_db)
    tasks.shutdown()
    ran = []
    future = tasks.read(lambda db: ran.append("read"), lambda _r: ran.append("done"))
    written = tasks.write(lambda db: ran.append("write"))
    assert future.cancelled()
    assert written.cancelled()
    assert ran == []
    assert tasks.idle


@pytest.mark.parametrize("fails", [False, True])
def test_a_widget_held_by_a_task_is_let_go_on_the_gui_thread(qtbot, demo_db, fails):
    """A write whose work holds a dialog (a closure over it) may outlive the dialog's last
    other reference. The stability run once hung there: the writer thread let go of the
    work last, so the QWidget was destroyed on that thread, and that waited for the GUI
    thread, which was waiting for the writer to end. The GUI thread now keeps each task's
    work until it has delivered the result, and lets it go itself (failure or not)."""
    import threading

    from PySide6.QtWidgets import QDialog

    from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

    tasks = QtTaskManager(demo_db)
    started, go = threading.Event(), threading.Event()
    gone_on = []
    dialog = QDialog()
    dialog.destroyed.connect(lambda: gone_on.append(threading.current_thread().name))

    def operation(db, held=dialog):
        started.set()
        assert go.wait(60)
        if fails:
            raise ValueError("the write failed")

    failures = []
    tasks.write(operation, on_error=failures.append)
    assert started.wait(60)
    del dialog, operation  # from now on only the task holds the dialog
    go.set()
    qtbot.waitUntil(lambda: tasks.idle and bool(gone_on))
    assert gone_on == [threading.main_thread().name]
    assert len(failures) == int(fails)
    tasks.shutdown()
