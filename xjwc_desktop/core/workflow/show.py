"""A case as plain data (for ``xjwc case show --json`` and exports)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case, CaseEvent, Department, Inspector
from xjwc_desktop.core.workflow.deadlines import deadline_state
from xjwc_desktop.core.workflow.rules import allowed_actions


def _text(value):
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value.value if hasattr(value, "value") else value


def case_as_dict(session: Session, case: Case, now: dt.datetime | None = None) -> dict:
    """Every field of ``case``, its deadline and traffic light, and its history."""
    now = now or clock.now()
    out = {c.key: _text(getattr(case, c.key)) for c in Case.__mapper__.column_attrs}
    out["source_label"] = case.source.label
    out["status_label"] = case.status.label
    out["category_name"] = case.category.name
    dept = session.get(Department, case.department_id) if case.department_id else None
    out["department_name"] = dept.name if dept else None
    insp = session.get(Inspector, case.inspector_id) if case.inspector_id else None
    out["inspector_name"] = insp.name if insp else None
    out["deadline"] = deadline_state(case.registered_at, case.deadline_at, case.handled_at,
                                     case.status, case.suspended_at, now,
                                     paused_minutes=case.paused_minutes).as_dict()
    out["allowed_actions"] = [a.value for a in allowed_actions(case.status)]
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.seq))
    out["history"] = [{"seq": e.seq, "action": e.action, "from": _text(e.from_status),
                       "to": _text(e.to_status), "role": e.actor_role, "actor": e.actor_name,
                       "at": _text(e.at), "department_id": e.department_id, "note": e.note}
                      for e in events]
    return out
