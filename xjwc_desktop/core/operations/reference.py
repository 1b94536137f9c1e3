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


def edit_categories(db: Database, actor: Actor,
                    edits: dict[str, dict]) -> CategoryEdited:
    """Several categories' rules at once, all or none (类别维护's 保存)."""
    with db.write() as s:
        for code, values in edits.items():
            update_category(s, code, actor, workstation_id=db.workstation_id, **values)
    return CategoryEdited(",".join(edits))
