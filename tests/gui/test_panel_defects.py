"""Defects a documentation pass found in the case panel, the dashboard and the registers."""

from __future__ import annotations

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
