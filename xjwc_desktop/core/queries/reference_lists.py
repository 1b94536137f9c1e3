"""The short lists forms offer: categories, departments, inspectors (a few hundred rows).

Read once on a reader when the window opens, and again when a write or a sync changed
them (``Changes.reference``), so a form never queries the database while it opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xjwc_desktop.core.model import Category, Department, Inspector


@dataclass(frozen=True)
class CategoryItem:
    code: str
    name: str
    major: str
    kind: str
    active: bool
    default_department: str | None  # department code
    time_limit: float
    time_limit_unit: str
    register_condition: str | None
    close_condition: str | None
    duplicate_radius_m: float
    duplicate_days: int


@dataclass(frozen=True)
class ReferenceLists:
    categories: tuple[CategoryItem, ...] = ()
    departments: tuple[tuple[str, str, bool], ...] = ()  # (code, name, active)
    inspectors: tuple[tuple[str, str], ...] = ()  # (code, name)

    def active_departments(self) -> list[tuple[str, str]]:
        return [(code, name) for code, name, active in self.departments if active]

    def active_categories(self) -> list[CategoryItem]:
        return [c for c in self.categories if c.active]

    def category(self, code: str) -> CategoryItem | None:
        return next((c for c in self.categories if c.code == code), None)


def load_reference_lists(session: Session) -> ReferenceLists:
    cats = session.scalars(select(Category).where(Category.deleted_at.is_(None))
                           .order_by(Category.code))
    deps = session.scalars(select(Department).where(Department.deleted_at.is_(None))
                           .order_by(Department.code))
    insp = session.scalars(select(Inspector).where(Inspector.deleted_at.is_(None))
                           .order_by(Inspector.code))
    return ReferenceLists(
        tuple(CategoryItem(c.code, c.name, c.major, c.kind.value if hasattr(c.kind, "value")
                           else str(c.kind), bool(c.active), c.default_department_code,
                           c.time_limit, c.time_limit_unit.value, c.register_condition,
                           c.close_condition, c.duplicate_radius_m, c.duplicate_days)
              for c in cats),
        tuple((d.code, d.name, bool(d.active)) for d in deps),
        tuple((i.code, i.name) for i in insp))
