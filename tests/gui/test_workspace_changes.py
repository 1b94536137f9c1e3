"""The workspace's nervous system: every write announced once, no view stale, never frozen.

Each test drives the real window on a private demo database and checks what an operator
would see: the selected row, the ring and colour on the map, the case panel's four tabs.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import Qt

from xjwc_desktop.core.operations import take_step
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.workflow import Action, Actor, Role


def one(db, sql: str, *params):
    with db.reading() as conn:
        return conn.exec_driver_sql(sql, params).first()


def settle(qtbot, window, timeout: int = 20_000) -> None:
    """Until every read and write the window asked for has come back."""
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.tasks.idle and ws.map.is_ready, timeout=timeout)


def show(qtbot, window, rowid: int):
    """Select one case as a click on its row does; wait until the panel shows it."""
    ws = window.workspace
    ws.view.select([rowid])
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None
                    and ws.case_panel.snapshot.ref.rowid == rowid)
    return ws.case_panel.snapshot


def page_status(qtbot, window, rowid: int) -> int:
    box = {}
    window.workspace.map.view.page().runJavaScript(
        f"(function(){{const i = xjwcProbe.positionOf({rowid}); "
        f"return i < 0 ? -1 : xjwcProbe.statusAt(i);}})()", 0,
        lambda v: box.setdefault("v", v))
    qtbot.waitUntil(lambda: "v" in box)
    return int(box["v"])


def step_in_panel(qtbot, window, action: Action, **values):
    """Press the step's button, fill its form, press its OK; wait for the write."""
    panel = window.workspace.case_panel
    dialog = panel.start_step(action)
    if "note" in values:
        dialog.note.setPlainText(values["note"])
    if "department" in values:
        dialog.department.setCurrentIndex(dialog.department.findData(values["department"]))
    writes = window.workspace.tasks.writes
    assert dialog.ok.isEnabled(), dialog.message.text()
    dialog.ok.click()
    qtbot.waitUntil(lambda: window.workspace.tasks.writes > writes)
    settle(qtbot, window)
    return dialog


def test_a_step_keeps_the_selection_and_patches_the_map(qtbot, make_window, demo_db):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    rowid, = one(demo_db, "SELECT rowid FROM cases WHERE status = 'reported' "
                          "ORDER BY reported_at DESC LIMIT 1")
    row = ws.case_list.model.row_of(rowid)
    ws.case_list.view.selectRow(row)
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None
                    and ws.case_panel.snapshot.ref.rowid == rowid)
    scroll = ws.case_list.view.verticalScrollBar().value()
    reloads, patches = ws.map.reloads, ws.map.patches
    step_in_panel(qtbot, window, Action.REGISTER)
    qtbot.waitUntil(lambda: ws.case_panel.snapshot.status.value == "registered")
    # The list kept its place and its selection; the row shows the new state.
    assert ws.case_list.selected_rows().tolist() == [row]
    assert ws.case_list.view.verticalScrollBar().value() == scroll
    assert ws.view.selection == (rowid,)
    qtbot.waitUntil(lambda: ws.case_list.model.row_values(row) is not None)
    assert ws.case_list.model.row_values(row)[3] == "立案"
    # The map got a patch of one case, not the million points again; its ring stays.
    assert (ws.map.reloads, ws.map.patches) == (reloads, patches + 1)
    assert page_status(qtbot, window, rowid) == 1  # registered
    # Detail, history and the buttons show the same, new state.
    snap = ws.case_panel.snapshot
    assert ws.case_panel.fields.value("状态") == "立案"
    assert ws.case_panel.history.actions_shown()[-1] == "立案"
    assert ws.case_panel.steps.buttons[Action.REGISTER].isHidden()
    assert snap.case_no in ws.case_panel.header.text()


def test_thousands_of_cases_written_in_place_reach_the_map_as_one_patch(qtbot, make_window,
                                                                        demo_db):
    """A sync that changes thousands of cases where they are: the page fetches their new
    classes as one buffer, never the points again, and the list keeps its selection."""
    from xjwc_desktop.core.changes import Changes
    from xjwc_desktop.core.queries.map_layers import STATUS_ORDER
    from xjwc_desktop.gui.map.qt_map import INLINE_PATCH

    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    shown, = one(demo_db, "SELECT rowid FROM cases ORDER BY reported_at DESC LIMIT 1")
    row = ws.case_list.model.row_of(shown)
    ws.case_list.view.selectRow(row)
    settle(qtbot, window)
    with demo_db.reading() as conn:
        picked = conn.exec_driver_sql(
            "SELECT rowid, id FROM cases WHERE status = 'closed' AND deleted_at IS NULL "
            "ORDER BY rowid LIMIT ?", (INLINE_PATCH + 500,)).fetchall()
    assert len(picked) == INLINE_PATCH + 500
    with demo_db.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE cases SET status = 'suspended' WHERE rowid IN "
            "(SELECT value FROM json_each(?))", (str([r for r, _ in picked]),))
    reloads, patches = ws.map.reloads, ws.map.patches
    with qtbot.waitSignal(ws.map.patched) as patched:
        ws.tasks.announce(Changes.of_cases(changed=[i for _, i in picked]))
    assert patched.args == [len(picked)]
    suspended = STATUS_ORDER.index("suspended")
    for rowid in (picked[0][0], picked[len(picked) // 2][0], picked[-1][0]):
        qtbot.waitUntil(lambda r=rowid: page_status(qtbot, window, r) == suspended)
    settle(qtbot, window)
    assert (ws.map.reloads, ws.map.patches) == (reloads, patches + len(picked))
    assert ws.map.view.scheme_handler.served.count(
        f"data/case_patch/{ws.map._patch_numbers}") == 1
    assert ws.case_list.selected_rows().tolist() == [row]
    assert ws.view.selection == (shown,)


def test_intake_and_duplicate_linking_show_one_case_everywhere(qtbot, make_window, demo_db,
                                                               frozen_clock):
    from xjwc_desktop.gui.cases.qt_new_case import QtNewCaseDialog

    old_rowid, old_id, lon, lat, category, reported = one(
        demo_db, "SELECT c.rowid, c.id, c.lon, c.lat, c.category_code, c.reported_at "
                 "FROM cases c JOIN categories k ON k.code = c.category_code "
                 "WHERE c.status = 'dispatched' AND k.duplicate_days > 0 "
                 "AND k.duplicate_radius_m > 0 ORDER BY c.rowid DESC LIMIT 1")
    frozen_clock.set(reported)
    frozen_clock.tick(hours=2)  # the same place, the same category, two hours later
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    show(qtbot, window, old_rowid)
    before = ws.case_list.model.rowCount()
    dialog = ws.cases.new_case(lon, lat)
    qtbot.waitUntil(lambda: ws.reference.loaded)
    dialog.category.setCurrentIndex(dialog.category.findData(category))
    dialog.description.setPlainText("同一地点再次反映")
    with qtbot.waitSignal(dialog.created) as created:
        dialog.save()
    new_id = created.args[0]
    # The new case is the case on show: header, detail, history and steps all say so.
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None
                    and ws.case_panel.snapshot.case_id == new_id)
    assert ws.case_panel.fields.value("状态") == "受理"
    assert ws.case_panel.history.actions_shown() == ["受理"]
    qtbot.waitUntil(lambda: ws.case_list.model.rowCount() == before + 1)
    # It lies beside the dispatched case of its category: offered as a duplicate.
    qtbot.waitUntil(lambda: dialog.offer is not None)
    assert isinstance(dialog, QtNewCaseDialog)
    dialog.offer.buttons()[0].click()  # 关联为重复
    qtbot.waitUntil(lambda: ws.case_panel.snapshot.status.value == "voided")
    settle(qtbot, window)
    panel = ws.case_panel
    assert panel.snapshot.case_id == new_id
    assert panel.fields.value("状态") == "作废"
    assert panel.history.actions_shown() == ["受理", "不予立案/作废"]
    assert "重复案件" in panel.history.item(1, 4).text()
    assert all(b.isHidden() or not b.isEnabled() for b in panel.steps.buttons.values())
    assert ws.view.current.case_id == new_id


def test_a_bulk_step_refreshes_the_case_on_show(qtbot, make_window, demo_db):
    from xjwc_desktop.gui.cases.qt_bulk import QtBulkDialog

    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    rows = [r for r, in _all(demo_db, "SELECT rowid FROM cases WHERE status = 'reported' "
                                      "ORDER BY rowid LIMIT 3")]
    ws.view.select(rows, current=CaseRef(rows[0]))
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None
                    and ws.case_panel.snapshot.ref.rowid == rows[0])
    ws.view.set_role(Role.SUPERVISOR)
    ws.cases.bulk()
    qtbot.waitUntil(lambda: isinstance(ws.cases.last_dialog, QtBulkDialog))
    dialog = ws.cases.last_dialog
    assert len(dialog.case_ids) == 3
    with qtbot.waitSignal(dialog.done):
        dialog.ok.click()
    qtbot.waitUntil(lambda: ws.case_panel.snapshot.status.value == "registered")
    assert ws.case_panel.history.actions_shown()[-1] == "立案"
    assert ws.view.selection == tuple(rows)


def _all(db, sql):
    with db.reading() as conn:
        return conn.exec_driver_sql(sql).all()


def test_a_refused_step_reloads_the_case(qtbot, make_window, demo_db):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    rowid, case_id = one(demo_db, "SELECT rowid, id FROM cases WHERE status = 'reported' "
                                  "ORDER BY rowid LIMIT 1")
    show(qtbot, window, rowid)
    # Meanwhile someone else (the CLI, another desk) registers it.
    take_step(demo_db, case_id, Action.REGISTER, Actor(Role.SUPERVISOR))
    panel = ws.case_panel
    assert panel.snapshot.status.value == "reported"  # the panel cannot know yet
    dialog = panel.start_step(Action.REGISTER)
    dialog.ok.click()
    qtbot.waitUntil(lambda: panel.message.text().startswith("未能办理"))
    assert "立案" in dialog.message.text()  # the form says why and stays open
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: panel.snapshot.status.value == "registered")
    assert panel.fields.value("状态") == "立案"
    assert panel.steps.buttons[Action.REGISTER].isHidden()


LOCKER = textwrap.dedent("""
    import sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE cases SET description = description WHERE rowid = 1")
    print("locked", flush=True)
    sys.stdin.readline()
    con.execute("COMMIT")
""")


@pytest.mark.slow
def test_reading_while_another_process_writes_neither_freezes_nor_fails(qtbot, make_window,
                                                                       demo_db):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    rowid, = one(demo_db, "SELECT rowid FROM cases ORDER BY rowid DESC LIMIT 1")
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(demo_db.path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        # Another process holds the write lock: showing a case reads, and reads never wait.
        snap = show(qtbot, window, rowid)
        assert snap.ref.rowid == rowid
        assert ws.case_panel.history.rowCount() >= 1
        assert locker.poll() is None  # still holding the lock while we read
    finally:
        locker.stdin.write("\n")
        locker.stdin.flush()
        locker.wait(timeout=30)


def test_a_second_window_on_the_same_database_says_so_and_does_not_open(demo_db_path, tmp_path):
    import os

    from tests.gui.conftest import wait_for_line
    from xjwc_desktop.gui.shell.qt_instance import lock_path

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    first = subprocess.Popen([sys.executable, "-m", "xjwc_desktop", "--db", str(demo_db_path)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    try:
        wait_for_line(lambda: lock_path(demo_db_path).exists() or first.poll() is not None)
        assert first.poll() is None, first.stderr.read()
        second = subprocess.run([sys.executable, "-m", "xjwc_desktop", "--db",
                                 str(demo_db_path)], env=env, capture_output=True, text=True,
                                timeout=120)
        assert second.returncode == 2
        assert "已在另一个窗口中打开" in second.stderr
        assert f"进程 {first.pid}" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=60)


def test_the_list_is_never_sorted_on_the_gui_thread_after_a_write(qtbot, make_window, demo_db,
                                                                  monkeypatch):
    """A step makes the status order stale and an intake makes a new index: at a million
    cases each new sort is a stall of 100 ms or more (a second for a text column), so the
    case source sorts on a reader before the list shows the new cases."""
    import threading

    from xjwc_desktop.core.operations import take_in
    from xjwc_desktop.core.queries.case_list import COLUMNS, CaseFilter
    from xjwc_desktop.core.queries.case_order import SortOrders

    sorted_on: list[str] = []
    compute = SortOrders._compute

    def recording(self, key):
        sorted_on.append(threading.current_thread().name)
        return compute(self, key)

    monkeypatch.setattr(SortOrders, "_compute", recording)
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    model = ws.case_list.model
    status_column = next(i for i, c in enumerate(COLUMNS) if c.key == "status")
    ws.case_list.view.sortByColumn(status_column, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: ws.tasks.idle and model.row_values(0) is not None)
    ws.view.set_filter(CaseFilter(statuses=("reported", "registered")))
    qtbot.waitUntil(lambda: ws.tasks.idle)
    shown = model.rowCount()
    rowid, case_id, lon, lat, category = one(
        demo_db, "SELECT rowid, id, lon, lat, category_code FROM cases "
                 "WHERE status = 'reported' ORDER BY rowid LIMIT 1")
    sorted_on.clear()
    index = ws.source.index
    ws.tasks.write(lambda db: take_step(db, case_id, Action.REGISTER, Actor(Role.SUPERVISOR)))
    qtbot.waitUntil(lambda: ws.tasks.idle and bool(sorted_on))
    assert ws.source.index is index  # a step: the same index, changed in place …
    qtbot.waitUntil(lambda: ws.tasks.idle and index.orders.cached("status"))
    ws.tasks.write(lambda db: take_in(db, source="hotline", category=category, lon=lon,
                                      lat=lat, description="新案件"))
    qtbot.waitUntil(lambda: model.rowCount() == shown + 1)
    qtbot.waitUntil(lambda: ws.tasks.idle)
    assert ws.source.index is not index  # … an intake: a new index, sorted again
    assert len(sorted_on) >= 2
    assert "MainThread" not in sorted_on  # each time on a reader
    new = ws.source.index
    expected = new.cols["rowid"][new.ordered(ws.view.mask, "status", descending=False)]
    assert model.rowids.tolist() == expected.tolist()
    assert rowid in model.rowids.tolist()  # registered: still in the filter
