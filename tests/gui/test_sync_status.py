"""What the sync indicator says and in which colour, for each state a workstation can be in."""

from __future__ import annotations

import datetime as dt

import pytest

from xjwc_desktop.core.sync.state import SyncStatus
from xjwc_desktop.gui.qt_sync_status import QtSyncStatus, indicate

TODAY = dt.date(2026, 11, 23)
URL = "http://192.168.1.10:8765"


def status(**kw) -> SyncStatus:
    return SyncStatus(**{"server": URL, "last_sync_at": "2026-11-23 14:32:05", "last_error": None,
                         "pending": 0, "open_conflicts": 0, "offline": False, **kw})


@pytest.mark.parametrize(("kw", "text", "level"), [
    ({}, "● 已同步 14:32", "ok"),
    ({"last_sync_at": "2026-11-20 09:05:00.123456"}, "● 已同步 11-20 09:05", "ok"),
    ({"last_sync_at": "2025-12-31 23:59:00"}, "● 已同步 2025-12-31 23:59", "ok"),
    ({"pending": 1234}, "● 已同步 14:32 · 待上传 1,234", "waiting"),
    ({"pending": 3, "open_conflicts": 1}, "● 已同步 14:32 · 待上传 3 · 冲突 1", "attention"),
    ({"offline": True, "pending": 3, "last_error": "无法连接服务器"},
     "○ 离线（上次同步 14:32） · 待上传 3", "waiting"),
    ({"last_error": "服务器拒绝了请求（401）"}, "✕ 同步失败（上次同步 14:32）", "attention"),
    ({"last_sync_at": None}, "● 尚未同步", "waiting"),
    ({"server": None, "last_sync_at": None}, "○ 未连接服务器", "none"),
])
def test_each_state_reads_and_colours_as_intended(kw, text, level):
    shown = indicate(status(**kw), today=TODAY)
    assert (shown.text, shown.level) == (text, level)


def test_while_running_the_progress_shows_and_the_counts_stay():
    shown = indicate(status(pending=5), running=True, progress="上传修改 1,000/5,000",
                     today=TODAY)
    assert shown.text == "⟳ 上传修改 1,000/5,000 · 待上传 5"


def test_a_failure_of_this_session_counts_even_before_the_database_records_one():
    shown = indicate(status(), failure="本机没有服务器的设备令牌", today=TODAY)
    assert shown.text.startswith("✕ 同步失败")
    assert shown.level == "attention"
    assert "本机没有服务器的设备令牌" in shown.tooltip


def test_the_tooltip_escapes_what_the_server_said(qtbot):
    button = QtSyncStatus()
    qtbot.addWidget(button)
    button.show_status(status(last_error='服务器不接受请求（400）：<img src="x">'))
    assert "&lt;img src=&quot;x&quot;&gt;" in button.toolTip()
    assert "<img" not in button.toolTip()

