"""Conflict values in the operator's words: 处置部门 城管中队, not department_id 55e1….

Plain text only (the conflict panel never lets Qt read it as HTML). Coded values are
looked up once per refresh: departments, inspectors, compounds and categories are a few
hundred rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from xjwc_desktop.core.exchange.columns import COLUMNS
from xjwc_desktop.core.exchange.sqltext import visible_controls_sql
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CaseSource, CaseStatus, ZoneCode
from xjwc_desktop.core.sync.conflicts import CHOICES, ConflictView
from xjwc_desktop.core.sync.schema import BOOKKEEPING
from xjwc_desktop.core.workflow import Action


def _case_column(sql: str) -> str | None:
    """The case column an export column shows as it is (maybe with its control characters
    made visible), else None."""
    for name in re.findall(r"\bc\.(\w+)", sql)[:1]:
        if sql in (f"c.{name}", visible_controls_sql(f"c.{name}")):
            return name
    return None


# The export's headers name most case columns; the rest are named here.
FIELD_LABELS = {name: col.header for col in COLUMNS
                if (name := _case_column(col.sql)) is not None} | {
    "deleted_at": "删除", "reporter_name": "报告人", "reporter_phone": "报告人电话",
    "voided_at": "作废时间", "suspended_at": "挂账时间", "suspended_from": "挂账前状态",
    "extension_hours": "批准延期(工作时)", "extension_requested_hours": "申请延期(工作时)",
    "paused_minutes": "暂停(分钟)", "rework_count": "返工次数", "escalated": "督办",
    "duplicate_of_id": "重复案件", "compound_id": "小区", "name": "名称", "text": "内容",
    "note": "说明", "author": "作者", "active": "启用",
}
ENUMS = {"status": CaseStatus, "suspended_from": CaseStatus, "source": CaseSource,
         "zone_code": ZoneCode}
LOOKUPS = {"department_id": "SELECT id, name FROM departments",
           "inspector_id": "SELECT id, name FROM inspectors",
           "compound_id": "SELECT id, name FROM compounds",
           "category_code": "SELECT code, name FROM categories"}
MAX_CELL = 120  # the table shows the start; the detail box below shows everything


@dataclass
class ConflictText:
    names: dict[str, dict[Any, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> ConflictText:
        conn = session.connection()
        return cls({column: dict(conn.execute(text(sql)).all())
                    for column, sql in LOOKUPS.items()})

    def label(self, column: str) -> str:
        return tr(FIELD_LABELS.get(column, column))

    def value(self, column: str, value: Any) -> str:
        if column == "deleted_at":
            return tr("未删除") if value is None else tr("已删除") + f"（{str(value)[:16]}）"
        if value is None or value == "":
            return tr("（空）")
        if isinstance(value, bool):
            return tr("是") if value else tr("否")
        if column in ENUMS:
            try:
                return tr(ENUMS[column](value).label)
            except ValueError:
                return str(value)
        if column in self.names:
            return self.names[column].get(value, str(value))
        if isinstance(value, float):
            return f"{value:g}"
        if column.endswith("_at"):
            return str(value)[:16]
        return str(value)

    def shown(self, view: ConflictView, values: dict) -> list[str]:
        """The columns of ``values`` worth showing: the conflicting fields, if it has them."""
        listed = [c for c in view.fields if c in values]
        return listed or [c for c in values if c not in BOOKKEEPING]

    def fields(self, view: ConflictView) -> str:
        return "、".join(self.label(c) for c in view.fields)

    def values(self, view: ConflictView, values: dict, limit: int = MAX_CELL) -> str:
        columns = self.shown(view, values)
        if len(columns) == 1:
            out = self.value(columns[0], values[columns[0]])
        else:
            out = "；".join(f"{self.label(c)}：{self.value(c, values[c])}" for c in columns)
        out = " ".join(out.split())  # one line in the table
        return out if len(out) <= limit else out[:limit - 1] + "…"

    def describe(self, view: ConflictView) -> str:
        """Everything about one record, for the box under the table."""
        lines = [f"{tr(view.table_label)} {view.label or view.row_id} · {tr(view.kind_label)}",
                 f"{tr('时间')}：{view.created_at}"
                 + (f" · {tr('来自')}：{view.lost_device}" if view.lost_device else "")]
        for column in dict.fromkeys(self.shown(view, view.kept) + self.shown(view, view.lost)):
            lines.append(f"{self.label(column)}：")
            if column in view.base:
                lines.append(f"    {tr('原值')}：{self.value(column, view.base[column])}")
            if column in view.kept:
                lines.append(f"    {tr('现值')}：{self.value(column, view.kept[column])}")
            if column in view.lost:
                lines.append(f"    {tr('未采用的值')}：{self.value(column, view.lost[column])}")
        for event in view.detail.get("events", []):
            try:
                action = tr(Action(event.get("action")).label)
            except ValueError:
                action = str(event.get("action"))
            step = f"{tr('未采用的办理')}：{action}（{event.get('actor_role') or ''}）"
            if event.get("department_id"):
                step += " → " + self.value("department_id", event["department_id"])
            lines.append(step)
        lines.append(tr("可选的处理") + "：" + "、".join(tr(CHOICES[c]) for c in view.choices))
        return "\n".join(lines)
