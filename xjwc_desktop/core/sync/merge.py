"""The office server's per-field merge: what of a pushed change gets in, what is a conflict.

Pure functions over rows in wire form (``{column: value}``), so every rule is tested without
a server. The rules, in the words of the operators who live with them:

- edits to different fields of one row merge; an edit identical to what is already there
  is no conflict;
- the same field edited on two workstations: the value that reached the office first
  stands (先同步者为准, deterministic for any order of arrival), the other is kept in a
  conflict record that an operator resolves;
- a case's workflow fields move as one unit: two steps taken from the same state are a
  conflict, never a blend of two histories;
- an edit to a deleted row is never dropped silently: it becomes a conflict record, and a
  deletion of a row someone else changed in the meantime is recorded too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xjwc_desktop.core.sync.schema import BOOKKEEPING, CASE_WORKFLOW, SyncedTable

# Conflict kinds, with the Chinese name operators see.
FIELD, WORKFLOW, EDIT_ON_DELETED, DELETE_AFTER_EDIT, MISSING, SAME_ID = (
    "field", "workflow", "edit_on_deleted", "delete_after_edit", "missing", "same_id")
DUPLICATE, RENUMBERED, REFUSED, SET_ASIDE = "duplicate", "renumbered", "refused", "set_aside"
KIND_LABELS = {
    FIELD: "同一字段被两处修改",
    WORKFLOW: "同一案件被两处办理",
    EDIT_ON_DELETED: "修改了已删除的记录",
    DELETE_AFTER_EDIT: "删除了他人刚修改的记录",
    MISSING: "修改的记录在服务器上不存在",
    SAME_ID: "同一记录被两处新建且内容不同",
    DUPLICATE: "与已有记录重复（唯一字段相同）",
    RENUMBERED: "案卷号已被占用，已重新编号",
    REFUSED: "无权修改，未被采用",
    SET_ASIDE: "无法写入服务器，已暂存",
}


@dataclass
class ConflictSpec:
    kind: str
    fields: list[str]
    base: dict[str, Any] | None
    kept: dict[str, Any] | None
    lost: dict[str, Any] | None
    detail: dict[str, Any] | None = None


@dataclass
class Decision:
    """What to write (``apply``: column → value) and what could not get in."""

    apply: dict[str, Any] = field(default_factory=dict)
    conflicts: list[ConflictSpec] = field(default_factory=list)
    insert: bool = False

    @property
    def outcome(self) -> str:
        if self.conflicts:
            return "conflict"
        return "applied" if self.apply or self.insert else "unchanged"


def _content(table: SyncedTable) -> list[str]:
    return [c for c in table.columns if c not in BOOKKEEPING]


def _merge_groups(table: SyncedTable, server: dict, base: dict, after: dict,
                  changed: set[str], decision: Decision) -> None:
    for group in table.groups_touching(changed):
        touched = group & changed
        cols = sorted(group)
        srv = {c: server.get(c) for c in cols}
        mine = {c: after.get(c) for c in cols}
        was = {c: base.get(c) for c in cols} if base is not None else None
        step = group is CASE_WORKFLOW and was is not None
        if srv == mine and not (step and srv != was):
            continue  # the same edit made twice
        if was is not None and srv == was:
            decision.apply.update({c: mine[c] for c in touched})
            continue
        if step:
            # Another step moved the case since this workstation saw it. The record names
            # what the losing step changed, whatever the timing: two dispatches a second
            # apart or in the same second (equal stamps) read the same.
            listed = sorted(touched)
        else:
            listed = [c for c in cols if srv[c] != mine[c]]
        kind = WORKFLOW if group is CASE_WORKFLOW else (FIELD if was is not None else SAME_ID)
        decision.conflicts.append(ConflictSpec(
            kind, listed,
            {c: was[c] for c in listed} if was is not None else None,
            {c: srv[c] for c in listed}, {c: mine[c] for c in listed}))


def decide_update(table: SyncedTable, server: dict | None, base: dict,
                  new: dict) -> Decision:
    """Merge an edit (``base`` = the row as the workstation last had it, ``new`` = the
    fields it changed) into the server's current row."""
    decision = Decision()
    content_new = {c: v for c, v in new.items() if c not in BOOKKEEPING}
    if server is None:
        decision.conflicts.append(ConflictSpec(MISSING, sorted(content_new), base, None,
                                               content_new))
        return decision
    deleting = content_new.get("deleted_at") is not None
    restoring = "deleted_at" in content_new and content_new["deleted_at"] is None
    if server.get("deleted_at") is not None and not restoring:
        if not deleting:
            decision.conflicts.append(ConflictSpec(
                EDIT_ON_DELETED, sorted(content_new), {c: base.get(c) for c in content_new},
                {"deleted_at": server["deleted_at"]}, content_new))
        return decision  # deleting a deleted row again changes nothing
    if deleting:
        unseen = [c for c in _content(table)
                  if c != "deleted_at" and c not in content_new
                  and server.get(c) != base.get(c)]
        decision.apply["deleted_at"] = content_new["deleted_at"]
        if unseen:
            # The deletion stands; the alternative an operator may take is "not deleted".
            # What the deleter had not seen is in the record's detail.
            decision.conflicts.append(ConflictSpec(
                DELETE_AFTER_EDIT, unseen, {c: base.get(c) for c in unseen},
                {"deleted_at": content_new["deleted_at"]}, {"deleted_at": None},
                {"unseen": {c: server.get(c) for c in unseen}}))
        content_new = {c: v for c, v in content_new.items() if c != "deleted_at"}
    elif restoring:
        decision.apply["deleted_at"] = None
        content_new = {c: v for c, v in content_new.items() if c != "deleted_at"}
    after = {**base, **content_new}
    _merge_groups(table, server, base, after, set(content_new), decision)
    return decision


def decide_insert(table: SyncedTable, server: dict | None, row: dict) -> Decision:
    """A new row; if the server already has a row with this id (a reference row, or data
    adopted from two workstations), it is compared field by field with no common base."""
    if server is None:
        return Decision(insert=True)
    decision = Decision()
    content = set(_content(table))
    _merge_groups(table, server, None, row, content, decision)
    return decision


def resulting_row(server: dict | None, decision: Decision, row: dict | None) -> dict | None:
    """The server's row after the decision, content columns only."""
    if decision.insert:
        return row
    if server is None:
        return None
    return {**server, **decision.apply}
