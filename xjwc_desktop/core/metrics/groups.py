"""What metrics can be grouped by: the SQL key of each dimension and its Chinese label."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, extract, literal_column, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from xjwc_desktop.core.model import Case, CaseSource, Category, Department, Inspector, ZoneCode

DIMENSIONS: dict[str | None, str] = {
    None: "合计",
    "month": "月份",
    "zone": "巡查区",
    "department": "处置部门",
    "category": "案件小类",
    "inspector": "巡查员",
    "source": "案件来源",
}
# Label of the group of cases that have no value for the dimension.
NO_VALUE_LABELS = {
    "zone": "（未分区）",
    "department": "（未派遣）",
    "inspector": "（无巡查员）",
    "category": "（无类别）",
    "source": "（无来源）",
    "month": "（无日期）",
}
TOTAL_LABEL = "合计"


def check_dimension(by: str | None) -> None:
    if by not in DIMENSIONS:
        choices = "、".join(f"{k}({v})" for k, v in DIMENSIONS.items() if k)
        raise ValueError(f"不能按“{by}”分组统计，可选：{choices}，或不分组(None)。")


def key_expression(by: str | None, when: ColumnElement) -> ColumnElement | None:
    """The SQL expression cases are grouped on; ``when`` is the date a month is taken from.

    Months are ``year * 100 + month`` through SQL's EXTRACT (SQLAlchemy renders it for each
    dialect: STRFTIME on SQLite, EXTRACT on PostgreSQL).
    """
    if by is None:
        return None
    if by == "month":
        # A literal, not a bound parameter: PostgreSQL must see the same expression in the
        # SELECT list and in GROUP BY.
        return extract("year", when) * literal_column("100") + extract("month", when)
    if by in ("zone", "source"):  # fetched as their stored codes, no enum lookup per row
        return type_coerce(Case.zone_code if by == "zone" else Case.source, String)
    return {
        "department": Case.department_id,
        "category": Case.category_code,
        "inspector": Case.inspector_id,
    }[by]


def normalise(by: str | None, raw: Any) -> Any:
    """A fetched key in one hashable form (enum members as codes, months as ints)."""
    if raw is None:
        return None
    if by == "month":
        return int(raw)
    return getattr(raw, "value", raw)


def describe(conn, by: str | None, keys: Iterable[Any]) -> dict[Any, tuple[str | None, str]]:
    """``(key, label)`` of each normalised raw key: codes and Chinese names from the tables."""
    keys = [k for k in set(keys) if k is not None]
    out: dict[Any, tuple[str | None, str]] = {None: (None, NO_VALUE_LABELS.get(by, TOTAL_LABEL))}
    if by == "month":
        out.update({k: (f"{k // 100:04d}-{k % 100:02d}",) * 2 for k in keys})
    elif by == "zone":
        out.update({k: (k, ZoneCode(k).label) for k in keys})
    elif by == "source":
        out.update({k: (k, CaseSource(k).label) for k in keys})
    elif by in ("department", "inspector"):
        table = Department if by == "department" else Inspector
        found = {}
        for chunk in _chunks(keys, 500):
            found.update({i: (code, name) for i, code, name in conn.execute(
                select(table.id, table.code, table.name).where(table.id.in_(chunk)))})
        out.update({k: found.get(k, (k, k)) for k in keys})
    elif by == "category":
        found = {}
        for chunk in _chunks(keys, 500):
            found.update(conn.execute(
                select(Category.code, Category.name).where(Category.code.in_(chunk))).all())
        out.update({k: (k, found.get(k, k)) for k in keys})
    return out


def sort_key(by: str | None, key: str | None) -> tuple:
    """Reports list months in order, zones and sources in their usual order, others by code."""
    if key is None:
        return (1, 0, "")
    order = {"zone": list(ZoneCode), "source": list(CaseSource)}.get(by)
    if order is not None and key in order:
        return (0, order.index(key), key)
    return (0, 0, key)


def month_range(first: int, last: int) -> list[int]:
    """Every ``year * 100 + month`` from ``first`` to ``last`` inclusive."""
    out, y, m = [], first // 100, first % 100
    while y * 100 + m <= last:
        out.append(y * 100 + m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
