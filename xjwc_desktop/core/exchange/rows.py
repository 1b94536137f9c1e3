"""Streaming the selected cases out of SQLite, a batch at a time, for any export format.

A format says how each stored column becomes a finished cell *in SQL* (CSV text, XLSX
XML), so Python handles one value per row, not twenty, and as UTF-8 bytes straight to the
file (decoding a million rows of Chinese into str and encoding them again would cost more
than rendering them). GCJ-02 positions, which SQLite cannot compute portably, are
computed here with numpy per batch and spliced in. Rows arrive in report order.

One thread renders: a second one on another connection was tried and made a million-row
CSV slower (7.5 s against 4.5 s, twice the CPU), because pysqlite gives up and retakes
the GIL for every row it steps, and two threads doing that pass it back and forth a
million times. Only the file writing runs beside it (:mod:`.writer`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.exchange import overdue
from xjwc_desktop.core.exchange.columns import ExportColumn
from xjwc_desktop.core.exchange.selection import SqlFilter
from xjwc_desktop.core.exchange.sqltext import ORDER_BY, install_text_functions, printf_sql
from xjwc_desktop.core.geo.chinese_crs import wgs84_to_gcj02

#: Columns computed in Python from the stored position, not rendered by SQL.
COMPUTED = ("lon_gcj02", "lat_gcj02")
#: Row number of a case in the output: the formats that number rows (XLSX) use it.
ROW_NUMBER_SQL = "(row_number() OVER (ORDER BY c.reported_at, c.rowid) + :row_base)"


@dataclass(frozen=True)
class CellFormat:
    """How a format writes cells.

    ``sql(column)`` gives a column as a piece of a ``printf`` pattern and the SQL
    arguments it consumes (:data:`ROW_NUMBER_SQL` among them if it needs row numbers);
    ``number(column, values, first)`` renders computed coordinates from a numpy array (as
    UTF-8; ``first`` is the 0-based index of the batch's first row); ``sep`` joins the
    cells of a row; ``row_start``/``row_end`` wrap it (the first and the last column are
    always stored ones); ``first_row`` is the number of the first data row.
    """

    sql: Callable[[ExportColumn], tuple[str, list[str]]]
    number: Callable[[ExportColumn, np.ndarray, int], list[bytes]]
    sep: str
    row_start: tuple[str, list[str]] = ("", [])
    row_end: str = ""
    first_row: int = 1


def count_cases(conn: Connection, selection: SqlFilter) -> int:
    where, params = selection.where()
    return conn.exec_driver_sql(f"SELECT count(*) FROM cases c WHERE {where}",
                                params).scalar_one()


class _Query:
    """The SELECT rendering ``columns`` in ``fmt``, and how to finish its batches."""

    def __init__(self, columns: tuple[ExportColumn, ...], fmt: CellFormat) -> None:
        # Consecutive SQL-rendered columns become one printf (a "run").
        self.runs: list[list[ExportColumn] | str] = []
        for col in columns:
            if col.key in COMPUTED:
                self.runs.append(col.key)
            elif self.runs and isinstance(self.runs[-1], list):
                self.runs[-1].append(col)
            else:
                self.runs.append([col])
        exprs = []
        for i, run in enumerate(self.runs):
            if isinstance(run, list):
                cells = [fmt.sql(c) for c in run]
                if i == 0:
                    cells[0] = (fmt.row_start[0] + cells[0][0], fmt.row_start[1] + cells[0][1])
                if i == len(self.runs) - 1:
                    cells[-1] = (cells[-1][0] + fmt.row_end, cells[-1][1])
                exprs.append(f"CAST({printf_sql(cells, fmt.sep)} AS BLOB)")
        self.n_sql = len(exprs)
        self.gcj02 = self.n_sql < len(self.runs)
        if self.gcj02:
            exprs += ["c.lon", "c.lat"]
        self.select = ", ".join(exprs)
        self.fmt = fmt
        self.by_key = {c.key: c for c in columns}

    def batches(self, raw, where: str, params: dict, first: int,
                batch: int) -> Iterator[list[bytes]]:
        cur = raw.execute(f"SELECT {self.select} FROM cases c WHERE {where} {ORDER_BY}",
                          {**params, "row_base": first + self.fmt.first_row - 1})
        while rows := cur.fetchmany(batch):
            yield self._finish(rows, first) if self.gcj02 else [r[0] for r in rows]
            first += len(rows)

    def _finish(self, rows: list[tuple], first: int) -> list[bytes]:
        cols = list(zip(*rows, strict=True))
        gx, gy = wgs84_to_gcj02(np.array(cols[self.n_sql], dtype=float),
                                np.array(cols[self.n_sql + 1], dtype=float))
        computed = {"lon_gcj02": self.fmt.number(self.by_key["lon_gcj02"], gx, first),
                    "lat_gcj02": self.fmt.number(self.by_key["lat_gcj02"], gy, first)}
        parts, k = [], 0
        for run in self.runs:
            if isinstance(run, list):
                parts.append(cols[k])
                k += 1
            else:
                parts.append(computed[run])
        sep = self.fmt.sep.encode()
        return [sep.join(cells) for cells in zip(*parts, strict=True)]


def rendered_rows(conn: Connection, selection: SqlFilter, columns: tuple[ExportColumn, ...],
                  fmt: CellFormat, now: dt.datetime, *,
                  batch: int = 20_000) -> Iterator[list[bytes]]:
    """Batches of finished rows, UTF-8 (each the cells joined by ``fmt.sep``)."""
    query = _Query(columns, fmt)
    where, params = selection.where()
    overdue.install(conn)
    install_text_functions(conn)
    # The driver's own cursor: SQLAlchemy's result wrapper would add a tenth to the time.
    raw = conn.connection.driver_connection
    yield from query.batches(raw, where, {**params, "now": overdue.now_param(now)}, 0, batch)
