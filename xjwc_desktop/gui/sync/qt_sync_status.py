"""The sync indicator in the status bar: “● 已同步 14:32 · 待上传 3 · 冲突 1”.

Its colour says what, if anything, wants the operator: red for conflicts to resolve or a
sync that fails for a reason other than the network (a revoked token, a version mismatch),
amber while changes wait to go out or the server is out of reach, green when all is sent,
grey when no server is set. A click opens the conflict panel.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from PySide6.QtWidgets import QToolButton

from xjwc_desktop.core import clock
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.sync.state import SyncStatus

COLORS = {"ok": "#1e8449", "waiting": "#b9770e", "attention": "#c0392b", "none": "#7f8c8d"}


@dataclass(frozen=True)
class Indication:
    text: str
    level: str  # a key of COLORS
    tooltip: str  # rich text, every value in it escaped


def when(stamp: str | None, today: dt.date | None = None) -> str:
    """“14:32” today, “11-28 14:32” earlier this year, else the date and time."""
    if not stamp:
        return ""
    try:
        at = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    today = today or clock.now().date()  # stamps are Beijing time, whatever the PC's zone
    if at.date() == today:
        return at.strftime("%H:%M")
    return at.strftime("%m-%d %H:%M" if at.year == today.year else "%Y-%m-%d %H:%M")


def indicate(status: SyncStatus, *, running: bool = False, failure: str | None = None,
             progress: str | None = None, today: dt.date | None = None) -> Indication:
    """What the indicator shows for ``status`` (``failure``: this session's last error)."""
    if not status.configured:
        return Indication("○ " + tr("未连接服务器"), "none",
                          html.escape(tr("尚未设置街道办服务器：请用“服务器设置…”填写。")))
    last = when(status.last_sync_at, today)
    error = failure or status.last_error
    if running:
        head = "⟳ " + (progress or tr("正在同步……"))
    elif status.offline:
        head = "○ " + (tr("离线（上次同步 {t}）").format(t=last) if last else tr("离线"))
    elif error:
        head = "✕ " + (tr("同步失败（上次同步 {t}）").format(t=last) if last else tr("同步失败"))
    elif last:
        head = "● " + tr("已同步 {t}").format(t=last)
    else:
        head = "● " + tr("尚未同步")
    parts = [head]
    if status.pending:
        parts.append(tr("待上传 {n}").format(n=f"{status.pending:,}"))
    if status.open_conflicts:
        parts.append(tr("冲突 {n}").format(n=f"{status.open_conflicts:,}"))
    if status.open_conflicts or (error and not status.offline):
        level = "attention"
    elif status.offline or status.pending or not last:
        level = "waiting"
    else:
        level = "ok"
    lines = [f"{tr('服务器')}：{status.server}",
             f"{tr('上次同步')}：{status.last_sync_at[:19] if status.last_sync_at else tr('从未')}",
             f"{tr('待上传的修改')}：{status.pending:,}",
             f"{tr('未处理的冲突')}：{status.open_conflicts:,}"]
    if error:
        lines.append(f"{tr('上次出错')}：{error}")
    lines.append(tr("点击打开冲突面板"))
    tooltip = "<br>".join(html.escape(s) for s in lines)
    return Indication(" · ".join(parts), level, f"<qt>{tooltip}</qt>")


class QtSyncStatus(QToolButton):
    """The indicator; ``show_status`` redraws it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAutoRaise(True)
        self.level = "none"

    def show_status(self, status: SyncStatus, **kw) -> None:
        shown = indicate(status, **kw)
        self.level = shown.level
        self.setText(shown.text)
        self.setToolTip(shown.tooltip)
        self.setStyleSheet(f"QToolButton {{ color: {COLORS[shown.level]}; font-weight: bold; "
                           "padding: 0 6px; }")
