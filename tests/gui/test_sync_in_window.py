"""Sync in the main window, against a real office server on a real socket: the 同步 button,
the status indicator, the background timer, and a window that never waits for the network."""

from __future__ import annotations

import socket
import threading

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QToolBar

from tests.gui.conftest import count
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.workflow import Action, Role


def click_sync(qtbot, desk) -> None:
    """Click the 同步 button on the toolbar, as the operator does."""
    bar = desk.window.findChild(QToolBar, "main_tools")
    qtbot.mouseClick(bar.widgetForAction(desk.hooks.sync_action), Qt.MouseButton.LeftButton)


def column_of(window, header: str) -> int:
    model = window.workspace.case_list.model
    return next(i for i in range(model.columnCount())
                if model.headerData(i, Qt.Orientation.Horizontal) == header)


def listed(window, rowid: int, header: str):
    """What the list shows in that cell (None while the row is being read)."""
    model = window.workspace.case_list.model
    row = model.row_of(rowid)
    values = model.row_values(row) if row is not None else None
    return None if values is None else values[column_of(window, header)]


def test_sync_sends_a_step_taken_here_and_brings_an_edit_made_elsewhere(qtbot, make_desk):
    desk = make_desk()
    window, hooks = desk.window, desk.hooks
    mine, theirs = desk.case_nos
    assert hooks.indicator.text() == "● 尚未同步"
    # 立案 here, in the case panel: the indicator counts what waits to go out.
    ws = window.workspace
    ws.view.show(CaseRef(case_id=desk.case_id(mine)))
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None)
    ws.view.set_role(Role.INTAKE)
    ws.case_panel.steps.buttons[Action.REGISTER].click()
    ws.case_panel.dialog.ok.click()
    qtbot.waitUntil(lambda: ws.case_panel.snapshot.status.value == "registered")
    pending = count(desk.station.db, "SELECT count(*) FROM sync_outbox")
    assert pending >= 2  # the case and its new history event
    qtbot.waitUntil(lambda: f"待上传 {pending}" in hooks.indicator.text())
    assert hooks.indicator.level == "waiting"
    # The other case is open in the detail pane while 值班台B corrects its address.
    rowid = desk.rowid(theirs)
    window.workspace.case_list.select_rowid(rowid)
    qtbot.waitUntil(lambda: window.workspace.case_panel.snapshot is not None
                    and window.workspace.case_panel.snapshot.case_no == theirs)
    desk.other.edit(theirs, address="国伟路 100 号")
    desk.other.sync()

    enabled_while_running = []
    hooks.controller.started.connect(
        lambda: enabled_while_running.append(hooks.sync_action.isEnabled()))
    with qtbot.waitSignal(hooks.controller.finished, timeout=30_000) as done:
        click_sync(qtbot, desk)
    assert enabled_while_running == [False]
    assert hooks.sync_action.isEnabled()
    report = done.args[0]
    assert report.pushed == pending
    assert desk.on_server("SELECT status FROM cases WHERE case_no = :n", n=mine) == "registered"
    qtbot.waitUntil(lambda: listed(window, rowid, "地址") == "国伟路 100 号")
    qtbot.waitUntil(lambda: window.workspace.case_panel.fields.value("地址") == "国伟路 100 号")
    shown = [window.workspace.case_panel.fields.item(r, 1).text()
             for r in range(window.workspace.case_panel.fields.rowCount())]
    assert "国伟路 100 号" in shown  # the case on screen shows it without a new click
    text = hooks.indicator.text()
    assert text.startswith("● 已同步 ")
    assert "待上传" not in text
    assert hooks.indicator.level == "ok"
    assert count(desk.station.db, "SELECT count(*) FROM sync_outbox") == 0


def test_a_stopped_server_shows_offline_and_the_changes_wait(qtbot, make_desk):
    desk = make_desk()
    hooks = desk.hooks
    mine = desk.case_nos[0]
    desk.write(qtbot, lambda: desk.station.edit(mine, address="殷行路 1 号"))
    qtbot.waitUntil(lambda: "待上传 1" in hooks.indicator.text())
    desk.server.__exit__(None, None, None)  # the office server is stopped
    with qtbot.waitSignal(hooks.controller.failed, timeout=30_000) as failed:
        click_sync(qtbot, desk)
    assert "无法连接服务器" in failed.args[0]
    assert hooks.indicator.text() == "○ 离线 · 待上传 1"
    assert hooks.indicator.level == "waiting"
    assert "无法连接服务器" in hooks.indicator.toolTip()
    assert count(desk.station.db, "SELECT count(*) FROM sync_outbox") == 1
    assert hooks.sync_action.isEnabled()  # the operator may try again


class SilentServer:
    """An address that takes connections and never answers, as an office machine that hangs
    or a network that swallows the request, for as long as the test wants: the sync waits
    on the network until :meth:`release` closes everything (the client then sees the
    connection drop). No client timeout decides when the waiting ends."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.connected = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # released
            self.held.append(conn)
            self.connected.set()

    def release(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


def test_the_window_keeps_working_while_a_sync_waits_for_the_network(qtbot, make_desk):
    from xjwc_desktop.core.sync import credentials, state

    desk = make_desk()
    window, hooks = desk.window, desk.hooks
    silent = SilentServer()
    try:
        # The office server's address stops answering (same device, same token).
        with desk.station.db.write() as session:
            state.put(session.connection(), "server_url", silent.url)
        credentials.save_token(silent.url, desk.station.db.workstation_id, desk.token)
        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(20)
        hooks.sync_action.trigger()
        assert hooks.controller.running
        qtbot.waitUntil(silent.connected.is_set, timeout=30_000)  # the sync waits on it
        # The event loop runs while the sync waits: timers fire, the list answers clicks.
        qtbot.waitUntil(lambda: len(ticks) >= 10)
        window.workspace.case_list.select_rowid(desk.rowid(desk.case_nos[1]))
        qtbot.waitUntil(lambda: window.workspace.case_panel.snapshot is not None)
        assert hooks.controller.running, "the sync ended before the window could do anything"
        assert hooks.indicator.text().startswith("⟳ ")
        assert not hooks.sync_action.isEnabled()
        assert not hooks.controller.sync_now()  # never two at once
        assert hooks.controller.syncs == 1
        with qtbot.waitSignal(hooks.controller.failed, timeout=60_000) as failed:
            silent.release()
        timer.stop()
    finally:
        silent.release()
    assert "无法连接服务器" in failed.args[0]
    assert hooks.indicator.text().startswith("○ 离线")


def test_the_background_timer_syncs_without_a_click(qtbot, make_desk):
    desk = make_desk(interval=1)
    theirs = desk.case_nos[1]
    desk.other.edit(theirs, address="国伟路 200 号")
    desk.other.sync()
    rowid = desk.rowid(theirs)
    qtbot.waitUntil(lambda: listed(desk.window, rowid, "地址") == "国伟路 200 号",
                    timeout=30_000)
    assert desk.hooks.controller.syncs >= 1


def test_a_local_write_is_sent_soon_after_without_a_click(qtbot, make_desk):
    desk = make_desk(after_write=1)
    mine = desk.case_nos[0]
    desk.write(qtbot, lambda: desk.station.edit(mine, address="殷行路 2 号"))
    qtbot.waitUntil(lambda: desk.on_server("SELECT address FROM cases WHERE case_no = :n",
                                           n=mine) == "殷行路 2 号", timeout=30_000)
    qtbot.waitUntil(lambda: "待上传" not in desk.hooks.indicator.text())
