"""冲突处理: what an operator sees of a conflict record and what each choice does.

A resolution is an ordinary local write (the row, and the record's ``resolved_*`` fields),
so it reaches the server and every other workstation by the next sync like any edit.

- 保留现值 (``keep``): the value that stands stays; the record is closed.
- 采用此值 (``take``): the value that did not get in is written over the current one
  (restoring the row first if it was deleted).
- 重新办理 (``redo``): a workflow step that lost is taken again, through the workflow
  engine, on the case as it is now; if the step is not allowed any more, the engine says
  why and the record stays open.
- 知道了 (``acknowledge``): for records that only inform (renumbered, set aside, refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xjwc_desktop.core import clock
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.model import Department, SyncConflict
from xjwc_desktop.core.sync.codec import loads, to_sqlite
from xjwc_desktop.core.sync.merge import (
    DELETE_AFTER_EDIT,
    EDIT_ON_DELETED,
    FIELD,
    KIND_LABELS,
    SAME_ID,
    WORKFLOW,
)
from xjwc_desktop.core.sync.schema import BOOKKEEPING, synced_table
from xjwc_desktop.core.workflow.engine import Actor, act
from xjwc_desktop.core.workflow.rules import Action

CHOICES = {"keep": "保留现值", "take": "采用此值", "redo": "重新办理", "acknowledge": "知道了"}
TABLE_LABELS = {"cases": "案件", "case_events": "案件历史", "case_notes": "案件备注",
                "case_attachments": "案件照片", "categories": "案件类别", "departments": "处置部门",
                "inspectors": "巡查员", "compounds": "小区", "illegal_structures": "违法建筑",
                "census_records": "无证建筑普查", "bike_stations": "公益自行车站点",
                "patrol_zones": "巡查区", "unit_grids": "单元网格", "sync_conflicts": "冲突记录"}


@dataclass(frozen=True)
class ConflictView:
    """One conflict record as the panel shows it."""

    id: str
    table: str
    table_label: str
    row_id: str
    label: str | None
    kind: str
    kind_label: str
    fields: list[str]
    kept: dict[str, Any]
    lost: dict[str, Any]
    base: dict[str, Any]
    detail: dict[str, Any]
    lost_device: str | None
    created_at: str
    resolved: str | None
    choices: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def choices_for(kind: str, detail: dict) -> tuple[str, ...]:
    if kind in (FIELD, SAME_ID, EDIT_ON_DELETED):
        return ("keep", "take")
    if kind == DELETE_AFTER_EDIT:
        return ("keep", "take")  # take = the row not deleted after all
    if kind == WORKFLOW:
        return ("keep", "redo") if detail.get("events") else ("keep",)
    return ("acknowledge",)


def _view(c: SyncConflict) -> ConflictView:
    detail = loads(c.detail) if c.detail else {}
    return ConflictView(
        id=c.id, table=c.tbl, table_label=TABLE_LABELS.get(c.tbl, c.tbl), row_id=c.row_id,
        label=c.label, kind=c.kind, kind_label=KIND_LABELS.get(c.kind, c.kind),
        fields=loads(c.fields) if c.fields else [], kept=loads(c.kept) if c.kept else {},
        lost=loads(c.lost) if c.lost else {}, base=loads(c.base) if c.base else {},
        detail=detail, lost_device=c.lost_device,
        created_at=c.created_at.isoformat(sep=" ", timespec="seconds"),
        resolved=c.resolution, choices=choices_for(c.kind, detail))


def list_conflicts(session: Session, *, open_only: bool = True) -> list[ConflictView]:
    query = select(SyncConflict).where(SyncConflict.deleted_at.is_(None))
    if open_only:
        query = query.where(SyncConflict.resolved_at.is_(None))
    return [_view(c) for c in session.scalars(query.order_by(SyncConflict.created_at.desc(),
                                                             SyncConflict.id))]


def resolve_conflict(session: Session, conflict_id: str, choice: str, *, actor: Actor,
                     workstation_id: str) -> str:
    """Carry out ``choice`` on the record; returns what was done, in Chinese."""
    record = session.get(SyncConflict, conflict_id)
    if record is None:
        raise InputError(f"找不到冲突记录“{conflict_id}”。")
    if record.resolved_at is not None:
        raise InputError(f"冲突记录已由 {record.resolved_by or '他人'} 处理"
                         f"（{CHOICES.get(record.resolution, record.resolution)}）。")
    view = _view(record)
    if choice not in view.choices:
        allowed = "、".join(CHOICES[c] for c in view.choices)
        raise InputError(f"这条冲突记录可选的处理是：{allowed}。")
    done = CHOICES[choice]
    if choice == "take":
        _write_lost_values(session, view, workstation_id)
    elif choice == "redo":
        done = _redo_steps(session, view, actor, workstation_id)
    record.resolved_at = clock.now()
    record.resolved_by = actor.name or actor.role.label
    record.resolution = choice
    record.written_by = workstation_id
    session.flush()
    return done


def _write_lost_values(session: Session, view: ConflictView, workstation_id: str) -> None:
    table = synced_table(view.table)
    values = {c: v for c, v in view.lost.items() if c not in BOOKKEEPING}
    if view.kind == EDIT_ON_DELETED:
        values["deleted_at"] = None  # the edit came after the deletion: restore, then edit
    kind_of = table.kind_of
    sets = {c: to_sqlite(kind_of[c], v) for c, v in values.items() if c in kind_of}
    if not sets:
        return
    sets |= {"updated_at": clock.now(), "written_by": workstation_id}
    assignments = ", ".join(f'"{c}" = :{c}' for c in sets)
    found = session.execute(text(f'UPDATE "{table.name}" SET {assignments} WHERE id = :row_id'),
                            {**sets, "row_id": view.row_id}).rowcount
    if not found:
        raise InputError(f"{view.table_label}“{view.label or view.row_id}”在本机不存在，无法采用。")


def _redo_steps(session: Session, view: ConflictView, actor: Actor,
                workstation_id: str) -> str:
    """Take the lost steps again, in their order, on the case as it stands now."""
    done = []
    for event in view.detail.get("events", []):
        action = Action(event["action"])
        dept = session.get(Department, event["department_id"]) if event.get(
            "department_id") else None
        act(session, view.row_id, action, actor, workstation_id=workstation_id,
            department=dept.code if dept else None, note=event.get("note"),
            hours=_hours(view, action))
        done.append(action.label)
    return "重新办理：" + "、".join(done)


def _hours(view: ConflictView, action: Action) -> float | None:
    """Hours of a lost extension request (an approval falls back to the request)."""
    if action is Action.REQUEST_EXTENSION:
        return view.lost.get("extension_requested_hours")
    return None
