"""The case on show, read once: detail, history, notes, photos, deadline and the steps.

The case panel's sections (详情 · 办理经过 · 办理 · 备注与照片) all render one
:class:`CaseSnapshot`, read in one read transaction, so they can never show two different
cases or two states of one case. Values are plain data (text, numbers); the GUI shows
them as plain text only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case, CaseEvent, CaseStatus, Department, Inspector
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.workflow.attachments import files_folder, notes_of, photo_path, photos_of
from xjwc_desktop.core.workflow.deadlines import DeadlineState, deadline_state
from xjwc_desktop.core.workflow.rules import Action, Role, allowed_actions

#: History actions that are not workflow steps.
EVENT_LABELS = {"report": "受理", "import": "导入"}


def minutes(value: dt.datetime | None) -> str:
    """A time as operators read it: to the minute."""
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def hours_text(value: float | None) -> str:
    return "" if not value else f"{value:g}"


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: str
    action: str  # the code (register, ...)
    action_label: str  # 立案, ...
    to_label: str
    role: str
    actor: str
    department: str
    note: str  # the reason, as typed


@dataclass(frozen=True)
class NoteEntry:
    at: str
    author: str
    text: str


@dataclass(frozen=True)
class PhotoEntry:
    name: str
    path: Path
    size: int


@dataclass(frozen=True)
class CaseSnapshot:
    """One case as the case panel shows it (see the module docstring)."""

    ref: CaseRef
    case_no: str
    status: CaseStatus
    category_name: str
    address: str
    fields: tuple[tuple[str, str], ...]  # (label, value) in the order shown
    deadline: DeadlineState
    default_department: str | None  # the category's own department (code): 派遣 offers it
    department: str | None  # the department it is dispatched to (code)
    extension_requested_hours: float
    history: tuple[HistoryEntry, ...] = ()
    notes: tuple[NoteEntry, ...] = ()
    photos: tuple[PhotoEntry, ...] = ()
    read_at: dt.datetime = field(default_factory=clock.now)

    @property
    def case_id(self) -> str:
        return self.ref.case_id

    def allowed(self, role: Role | None = None) -> list[Action]:
        """The steps this role may take now (all roles: ``None``)."""
        return allowed_actions(self.status, role)

    @property
    def latest_request(self) -> HistoryEntry | None:
        """The extension request waiting for approval, if any (批准延期 shows it)."""
        if not self.extension_requested_hours:
            return None
        return next((e for e in reversed(self.history) if e.action == "request_extension"),
                    None)


def _fields(case: Case, dept: Department | None, insp: Inspector | None) -> list[tuple[str, str]]:
    out = [("案卷号", case.case_no), ("来源", case.source.label),
           ("外部工单号", case.external_no or ""),
           ("类别", f"{case.category.major} / {case.category.name}"),
           ("状态", case.status.label + ("（督办）" if case.escalated else "")),
           ("巡查区", case.zone_code.label if case.zone_code else ""),
           ("单元网格", case.grid_code or ""), ("地址", case.address or ""),
           ("问题描述", case.description or ""), ("反映人", case.reporter_name or ""),
           ("联系电话", case.reporter_phone or ""), ("巡查员", insp.name if insp else ""),
           ("处置部门", dept.name if dept else ""), ("上报时间", minutes(case.reported_at)),
           ("立案时间", minutes(case.registered_at)),
           ("派遣时间", minutes(case.dispatched_at)), ("处置时间", minutes(case.handled_at)),
           ("核查时间", minutes(case.verified_at)), ("结案时间", minutes(case.closed_at)),
           ("作废时间", minutes(case.voided_at)), ("处置时限", minutes(case.deadline_at)),
           ("批准延期（工作时）", hours_text(case.extension_hours)),
           ("申请延期（工作时）", hours_text(case.extension_requested_hours)),
           ("挂账时间", minutes(case.suspended_at)), ("返工次数", str(case.rework_count or "")),
           ("经度 (WGS84)", f"{case.lon:.6f}"), ("纬度 (WGS84)", f"{case.lat:.6f}")]
    return [(label, value) for label, value in out if value != "" or label in ALWAYS]


ALWAYS = {"案卷号", "来源", "类别", "状态", "地址", "问题描述", "处置部门", "上报时间",
          "处置时限"}


def _history(session: Session, case: Case, departments: dict[str, str]) -> list[HistoryEntry]:
    labels = {a.value: a.label for a in Action} | EVENT_LABELS
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.seq))
    return [HistoryEntry(e.seq, minutes(e.at), e.action, labels.get(e.action, e.action),
                         e.to_status.label if e.to_status else "", e.actor_role or "",
                         e.actor_name or "", departments.get(e.department_id, ""),
                         e.note or "") for e in events]


def load_case_snapshot(session: Session, ref: CaseRef, db_path: Path,
                       now: dt.datetime | None = None) -> CaseSnapshot | None:
    """The case ``ref`` points at (by rowid or id), or None if it is gone or deleted."""
    conn = session.connection()
    case_id = ref.case_id or conn.exec_driver_sql("SELECT id FROM cases WHERE rowid = ?",
                                                  (int(ref.rowid),)).scalar()
    case = session.scalar(select(Case).where(Case.id == case_id, Case.deleted_at.is_(None)))
    if case is None:
        return None
    rowid = ref.rowid if ref.case_id is None else conn.exec_driver_sql(
        "SELECT rowid FROM cases WHERE id = ?", (case.id,)).scalar()
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    dept_codes = dict(session.execute(select(Department.id, Department.code)).all())
    insp = session.get(Inspector, case.inspector_id) if case.inspector_id else None
    dept = session.get(Department, case.department_id) if case.department_id else None
    now = now or clock.now()
    state = deadline_state(case.registered_at, case.deadline_at, case.handled_at, case.status,
                           case.suspended_at, now, paused_minutes=case.paused_minutes)
    folder = files_folder(db_path)
    return CaseSnapshot(
        CaseRef(rowid, case.id), case.case_no, case.status, case.category.name,
        case.address or "", tuple(_fields(case, dept, insp)), state,
        case.category.default_department_code, dept_codes.get(case.department_id),
        case.extension_requested_hours or 0.0, tuple(_history(session, case, departments)),
        tuple(NoteEntry(minutes(n.at), n.author or "", n.text) for n in notes_of(session, case.id)),
        tuple(PhotoEntry(p.original_name, photo_path(folder, p), p.size)
              for p in photos_of(session, case.id)), now)

