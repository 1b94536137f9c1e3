"""服务器设置: the token is kept out of the database, and a sync tries the settings at once."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLineEdit

from xjwc_desktop.core.sync import credentials
from xjwc_desktop.gui.sync.qt_sync_settings import QtServerDialog


def open_dialog(qtbot, window, action=None) -> QtServerDialog:
    """Trigger 服务器设置… (or ``action``) and return the dialog it opened."""
    hooks = window.workspace.sync
    (action or hooks.settings_action).trigger()
    qtbot.waitUntil(lambda: hooks.server_dialog is not None
                    and hooks.server_dialog.isVisible() and hooks.server_dialog.loaded)
    return hooks.server_dialog


def test_a_token_is_tried_kept_out_of_the_database_and_used_from_then_on(qtbot, make_desk):
    desk = make_desk(token_saved=False)
    hooks, station = desk.hooks, desk.station
    with qtbot.waitSignal(hooks.controller.failed, timeout=30_000) as failed:
        hooks.sync_action.trigger()
    assert "设备令牌" in failed.args[0]  # the server is known (snapshot), the token is not
    assert hooks.indicator.level == "attention"
    dialog = open_dialog(qtbot, desk.window)
    assert dialog.url_edit.text() == desk.server.url
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.token_edit.setText("not-the-token")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "同步未成功" in dialog.message.text(), timeout=30_000)
    assert "401" in dialog.message.text()
    assert dialog.isVisible()
    dialog.token_edit.setText(desk.token)
    dialog.interval.setValue(120)
    with qtbot.waitSignal(dialog.finished, timeout=30_000) as closed:
        dialog.save_button.click()
    assert closed.args[0] == QDialog.DialogCode.Accepted.value
    assert hooks.indicator.text().startswith("● 已同步")
    assert hooks.controller.timer.isActive()  # background sync from now on, every 120 s
    assert hooks.controller.timer.interval() == 120_000
    assert credentials.load_token(desk.server.url, station.db.workstation_id) == desk.token
    files = [station.path, station.path.with_name(station.path.name + "-wal")]
    assert not any(desk.token.encode() in f.read_bytes() for f in files if f.exists())


def test_settings_that_cannot_work_are_refused_before_anything_is_saved(qtbot, make_desk):
    desk = make_desk(token_saved=False)
    dialog = open_dialog(qtbot, desk.window)
    syncs = desk.hooks.controller.syncs
    for url, token, ca, message in (
            ("192.168.1.10:8765", "t", "", "须以 http:// 或 https:// 开头"),
            (desk.server.url, "", "", "请填写设备令牌"),
            (desk.server.url, "t", "/no/such/ca.pem", "找不到证书文件")):
        dialog.url_edit.setText(url)
        dialog.token_edit.setText(token)
        dialog.ca_edit.setText(ca)
        dialog.save_button.click()
        assert message in dialog.message.text()
    assert desk.hooks.controller.syncs == syncs
    dialog.reject()
    assert credentials.load_token(desk.server.url, desk.station.db.workstation_id) is None


def test_without_a_server_the_indicator_says_so_and_sync_asks_for_one(qtbot, demo_db,
                                                                      settings_store):
    from xjwc_desktop.gui.shell.qt_app import build_main_window

    window = build_main_window(demo_db, settings_store)
    qtbot.addWidget(window)
    try:
        hooks = window.workspace.sync
        assert hooks.indicator.text() == "○ 未连接服务器"
        assert hooks.indicator.level == "none"
        assert not hooks.controller.timer.isActive()
        dialog = open_dialog(qtbot, window)  # 服务器设置…
        dialog.reject()
        dialog = open_dialog(qtbot, window, hooks.sync_action)  # 同步 with no server: the same
        assert dialog.url_edit.text() == ""
        assert hooks.controller.syncs == 0
        dialog.reject()
    finally:
        window.close()
