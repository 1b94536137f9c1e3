"""案件类别的维护: only an administrator changes a category's rules.

Categories ship in ``resources/data/categories.json`` and are installed into every database;
an administrator adjusts time limits, conditions and default departments for this street.
Changes apply to cases registered afterwards (a registered case keeps its deadline).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xjwc_desktop.core.model import Category, TimeLimitUnit
from xjwc_desktop.core.workflow.engine import Actor, WorkflowError, find_department
from xjwc_desktop.core.workflow.intake import find_category
from xjwc_desktop.core.workflow.rules import Role

EDITABLE = {"time_limit", "time_limit_unit", "register_condition", "close_condition",
            "default_department", "duplicate_radius_m", "duplicate_days", "active"}


def list_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.deleted_at.is_(None))
                                .order_by(Category.code)))


def update_category(session: Session, ref: str, actor: Actor, *, workstation_id: str,
                    **changes) -> Category:
    """Change the rules of category ``ref`` (code or 小类 name). Administrators only."""
    if actor.role is not Role.ADMIN:
        raise WorkflowError(f"只有管理员可以修改案件类别，{actor.role.label}不能修改。")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise WorkflowError(f"不能修改的项目：{'、'.join(sorted(unknown))}")
    cat = find_category(session, ref)
    if "time_limit" in changes:
        value = float(changes["time_limit"])
        if not 0 < value <= 1000:
            raise WorkflowError(f"处置时限 {value} 不合理（应大于 0，且不超过 1000）。")
        cat.time_limit = value
    if "time_limit_unit" in changes:
        try:
            cat.time_limit_unit = TimeLimitUnit.from_text(changes["time_limit_unit"])
        except ValueError as exc:
            raise WorkflowError(str(exc)) from exc
    if "default_department" in changes:
        cat.default_department_code = find_department(session, changes["default_department"]).code
    for name in ("register_condition", "close_condition"):
        if name in changes:
            setattr(cat, name, (changes[name] or "").strip() or None)
    if "duplicate_radius_m" in changes:
        cat.duplicate_radius_m = max(0.0, float(changes["duplicate_radius_m"]))
    if "duplicate_days" in changes:
        cat.duplicate_days = max(0, int(changes["duplicate_days"]))
    if "active" in changes:
        cat.active = bool(changes["active"])
    cat.written_by = workstation_id
    session.flush()
    return cat
