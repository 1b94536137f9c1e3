"""The selected cases as plain Python values, for the formats that need objects, not text
(GeoJSON, GeoPackage, Shapefile through geopandas; PDF; the HTML map).

Values are what a reader sees: names instead of codes, times as ``YYYY-MM-DD HH:MM:SS``
text (naive Beijing time, as stored), the overdue flag as 是/否/''.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.exchange import overdue
from xjwc_desktop.core.exchange.columns import ExportColumn, load_labels
from xjwc_desktop.core.exchange.selection import SqlFilter
from xjwc_desktop.core.exchange.sqltext import ORDER_BY, install_text_functions, label_sql
from xjwc_desktop.core.geo.chinese_crs import wgs84_to_gcj02


@dataclass
class CaseTable:
    """Columns of values, one entry per case, in report order; ``ids`` are the case ids."""

    columns: tuple[ExportColumn, ...]
    ids: list[str]
    values: dict[str, list]

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> list[tuple]:
        return list(zip(*(self.values[c.key] for c in self.columns), strict=True))


def fetch_cases(conn: Connection, selection: SqlFilter, columns: tuple[ExportColumn, ...],
                now: dt.datetime) -> CaseTable:
    """All selected cases (the caller checks the count first: this holds them in memory)."""
    labels = load_labels(conn)
    stored = [c for c in columns if c.sql or c.kind == "flag"]
    exprs = []
    for c in stored:
        if c.kind == "label":
            exprs.append(label_sql(c.sql, labels[c.lookup], str, c.sql, None))
        elif c.kind == "datetime":
            exprs.append(f"substr({c.sql}, 1, 19)")
        elif c.kind == "flag":
            exprs.append(overdue.flag_sql())
        else:
            exprs.append(c.sql)
    where, params = selection.where()
    overdue.install(conn)
    install_text_functions(conn)
    rows = conn.exec_driver_sql(
        f"SELECT c.id, {', '.join(exprs)} FROM cases c WHERE {where} {ORDER_BY}",
        {**params, "now": overdue.now_param(now)}).fetchall()
    by_column = list(zip(*rows, strict=True)) if rows else [()] * (len(stored) + 1)
    values = {c.key: list(v) for c, v in zip(stored, by_column[1:], strict=True)}
    if any(c.key == "lon_gcj02" for c in columns):
        gx, gy = wgs84_to_gcj02(np.array(values["lon"], dtype=float),
                                np.array(values["lat"], dtype=float))
        values["lon_gcj02"], values["lat_gcj02"] = gx.tolist(), gy.tolist()
    return CaseTable(columns, list(by_column[0]), values)
