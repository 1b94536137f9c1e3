"""What the sync indicator says and in which colour, for each state a workstation can be in."""

from __future__ import annotations

import datetime as dt

import pytest

from xjwc_desktop.core.sync.state import SyncStatus
from xjwc_desktop.gui.sync.qt_sync_status import QtSyncStatus, indicate

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


def test_in_english_the_indicator_reads_english():
    from xjwc_desktop.core.i18n import set_language

    set_language("en")
    try:
        shown = indicate(status(pending=3, open_conflicts=1), today=TODAY)
        offline = indicate(status(offline=True), today=TODAY)
    finally:
        set_language("zh")
    assert shown.text == "● Synced 14:32 · 3 to send · conflicts: 1"
    assert offline.text == "○ Offline (last sync 14:32)"


def test_every_sync_text_has_an_english_entry():
    """The strings the sync GUI passes to tr(), its own and the core's labels it shows."""
    import re
    from pathlib import Path

    from xjwc_desktop.core.resources import load_json
    from xjwc_desktop.core.sync import conflict_text as qt_conflict_text
    from xjwc_desktop.core.sync.conflicts import CHOICES, TABLE_LABELS
    from xjwc_desktop.core.sync.merge import KIND_LABELS
    from xjwc_desktop.gui.sync import qt_conflict_panel

    gui = Path(qt_conflict_panel.__file__).parent
    texts = set(CHOICES.values()) | set(TABLE_LABELS.values()) | set(KIND_LABELS.values())
    texts |= set(qt_conflict_panel.COLUMNS) | set(qt_conflict_panel.CHOICE_HINTS.values())
    texts |= set(qt_conflict_text.FIELD_LABELS.values())
    sources = [gui / f"{name}.py" for name in ("qt_sync", "qt_sync_status", "qt_sync_settings",
                                               "qt_sync_commands", "qt_conflict_panel")]
    for path in [*sources, Path(qt_conflict_text.__file__)]:
        source = path.read_text(encoding="utf-8")
        texts |= {m[1] for m in re.findall(r'\btr\((["\'])(.+?)\1\)', source)}
    assert len(texts) > 100
    english = load_json("i18n/en.json")
    assert sorted(t for t in texts if t not in english) == []
