"""Writes on the reference lists (类别维护)."""

from __future__ import annotations

from dataclasses import dataclass

from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow import Actor
from xjwc_desktop.core.workflow.categories import update_category


@dataclass(frozen=True)
class CategoryEdited:
    code: str
    changes: Changes = Changes.of_tables("categories")


def edit_category(db: Database, ref: str, actor: Actor, **values) -> CategoryEdited:
    """Change one category's rules (administrators only; see ``update_category``)."""
    with db.write() as s:
        return CategoryEdited(update_category(s, ref, actor, workstation_id=db.workstation_id,
                                              **values).code)
