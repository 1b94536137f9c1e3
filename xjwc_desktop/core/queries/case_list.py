"""The case list: ids in display order, then rows fetched a block at a time.

A million-row table must not load a million rows. The view asks for the rowids of the
current filter and sort (8 bytes a case), and fetches the visible rows by rowid as the
user scrolls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.model import CaseSource, CaseStatus, ZoneCode


@dataclass(frozen=True)
class Column:
    key: str  # what the view calls it
    sql: str  # expression selecting it
    label: str  # Chinese header


COLUMNS = [
    Column("case_no", "c.case_no", "案卷号"),
    Column("source", "c.source", "来源"),
    Column("category", "k.name", "类别"),
    Column("status", "c.status", "状态"),
    Column("zone", "c.zone_code", "巡查区"),
    Column("grid", "c.grid_code", "单元网格"),
    Column("address", "c.address", "地址"),
    Column("description", "c.description", "问题描述"),
    Column("reported_at", "c.reported_at", "上报时间"),
    Column("deadline_at", "c.deadline_at", "处置时限"),
]
_LABELS = {
    "source": {s.value: s.label for s in CaseSource},
    "status": {s.value: s.label for s in CaseStatus},
    "zone": {z.value: z.label for z in ZoneCode},
}


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere (``%`` and ``_`` taken literally)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


TEXT_COLUMNS = ("c.case_no", "c.external_no", "c.address", "c.description")


@dataclass(frozen=True)
class CaseFilter:
    """What the operator narrowed the list to (empty = everything).

    ``grid`` is a unit grid code or a prefix of one (12 digits: a community); ``departments``
    holds department codes, ``""`` standing for "not dispatched to anyone yet"; the dates are
    report dates, both ends included; ``text`` is searched in the case number, the external
    work-order number, the address and the description.
    """

    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    zone: str | None = None
    categories: tuple[str, ...] = ()
    grid: str | None = None
    departments: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str = ""

    def where(self) -> tuple[str, dict]:
        """The filter as SQL over ``cases c`` (the reference the in-memory index must match)."""
        parts, params = ["c.deleted_at IS NULL"], {}

        def one_of(column: str, name: str, values: tuple[str, ...]) -> str:
            keys = [f"{name}{i}" for i in range(len(values))]
            params.update(zip(keys, values, strict=True))
            return f"{column} IN ({', '.join(':' + k for k in keys)})"

        for name, column, values in (("status", "c.status", self.statuses),
                                     ("source", "c.source", self.sources),
                                     ("category", "c.category_code", self.categories)):
            if values:
                parts.append(one_of(column, name, values))
        if self.zone:
            parts.append("c.zone_code = :zone")
            params["zone"] = self.zone
        if self.grid:
            parts.append("c.grid_code LIKE :grid ESCAPE '\\'")
            params["grid"] = like_pattern(self.grid)[1:]  # a prefix: no leading %
        if self.departments:
            named = tuple(d for d in self.departments if d)
            either = []
            if named:
                either.append("c.department_id IN (SELECT id FROM departments WHERE "
                              + one_of("code", "department", named) + ")")
            if "" in self.departments:
                either.append("c.department_id IS NULL")
            parts.append("(" + " OR ".join(either) + ")")
        if self.date_from:
            parts.append("c.reported_at >= :date_from")
            params["date_from"] = self.date_from.isoformat()
        if self.date_to:
            parts.append("c.reported_at < :date_to")
            params["date_to"] = (self.date_to + dt.timedelta(days=1)).isoformat()
        if self.text.strip():
            parts.append("(" + " OR ".join(f"{c} LIKE :text ESCAPE '\\'" for c in TEXT_COLUMNS)
                         + ")")
            params["text"] = like_pattern(self.text.strip())
        return " AND ".join(parts), params


ALL_CASES = CaseFilter()


def case_rowids(conn: Connection, flt: CaseFilter | None = None, sort_key: str = "reported_at",
                descending: bool = True) -> np.ndarray:
    """Rowids of the filtered cases in display order."""
    column = next(c for c in COLUMNS if c.key == sort_key)
    where, params = (flt or ALL_CASES).where()
    join = " JOIN categories k ON k.code = c.category_code" if column.sql.startswith("k.") else ""
    direction = "DESC" if descending else "ASC"
    sql = (f"SELECT c.rowid FROM cases c{join} WHERE {where} "
           f"ORDER BY {column.sql} {direction}, c.rowid {direction}")
    cur = conn.exec_driver_sql(sql, params)
    return np.fromiter((r[0] for r in cur), dtype=np.int64)


def case_rows(conn: Connection, rowids: np.ndarray) -> dict[int, tuple]:
    """Display values (Chinese labels) of the given cases, keyed by rowid."""
    if len(rowids) == 0:
        return {}
    marks = ",".join("?" * len(rowids))
    cols = ", ".join(c.sql for c in COLUMNS)
    cur = conn.exec_driver_sql(
        f"SELECT c.rowid, {cols} FROM cases c JOIN categories k ON k.code = c.category_code "
        f"WHERE c.rowid IN ({marks})", tuple(int(r) for r in rowids))
    out = {}
    for rowid, *values in cur:
        for i, col in enumerate(COLUMNS):
            if col.key in _LABELS:
                values[i] = _LABELS[col.key].get(values[i], values[i])
            elif col.key.endswith("_at") and values[i]:
                values[i] = values[i][:16]  # minutes are what operators read
        out[rowid] = tuple(values)
    return out


def case_detail(conn: Connection, rowid: int) -> dict | None:
    """Everything the detail panel shows about one case, history included."""
    row = conn.exec_driver_sql(
        "SELECT c.*, k.name AS category_name, k.major AS category_major, "
        "d.name AS department_name, i.name AS inspector_name "
        "FROM cases c JOIN categories k ON k.code = c.category_code "
        "LEFT JOIN departments d ON d.id = c.department_id "
        "LEFT JOIN inspectors i ON i.id = c.inspector_id WHERE c.rowid = ?", (int(rowid),),
    ).mappings().first()
    if row is None:
        return None
    detail = dict(row)
    detail["source_label"] = _LABELS["source"].get(detail["source"], detail["source"])
    detail["status_label"] = _LABELS["status"].get(detail["status"], detail["status"])
    detail["zone_label"] = _LABELS["zone"].get(detail["zone_code"], "")
    detail["history"] = [dict(r) for r in conn.exec_driver_sql(
        "SELECT seq, action, from_status, to_status, actor_role, at, note FROM case_events "
        "WHERE case_id = ? ORDER BY seq", (detail["id"],)).mappings()]
    return detail


def case_ids_for(conn: Connection, rowids) -> list[str]:
    """The ids of the cases with these rowids, in the same order (a selection of up to a
    million rows: one JSON parameter, not one per row)."""
    import json

    wanted = [int(r) for r in rowids]
    if not wanted:
        return []
    found = dict(conn.exec_driver_sql(
        "SELECT c.rowid, c.id FROM cases c JOIN json_each(?) j ON c.rowid = j.value",
        (json.dumps(wanted),)).all())
    return [found[r] for r in wanted if r in found]
