"""CSV that Chinese Excel and WPS open as they should: UTF-8 with a BOM, RFC 4180 quoting.

Without the BOM, Excel on a Chinese Windows reads the file as GBK and shows mojibake. A
cell a person typed (address, description, order number) that starts with ``= + - @`` or
a control character is written with a leading apostrophe, so ``=HYPERLINK(...)`` in a
citizen's complaint stays text and never becomes a live formula (OWASP "CSV injection");
numeric columns are written as plain numbers. Rows are rendered by SQLite (see
:mod:`.rows`), which is what makes a million cases take seconds.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.exchange import overdue
from xjwc_desktop.core.exchange.atomic import atomic_output
from xjwc_desktop.core.exchange.columns import ExportColumn, load_labels
from xjwc_desktop.core.exchange.progress import Progress, Throttle
from xjwc_desktop.core.exchange.rows import CellFormat, count_cases, rendered_rows
from xjwc_desktop.core.exchange.selection import SqlFilter
from xjwc_desktop.core.exchange.sqltext import (
    label_sql,
    neutralise,
    neutralise_prefix_sql,
    neutralised_sql,
)
from xjwc_desktop.core.exchange.writer import background_writer

NUMBER_FORMAT = "%.7f"  # 1 cm at this latitude: what a survey-grade position needs


def quote(text: str) -> str:
    """One CSV field, always quoted (any text may hold commas, quotes or line breaks)."""
    return '"' + text.replace('"', '""') + '"'


def csv_format(labels: dict[str, dict[str, str]]) -> CellFormat:
    """CSV cells: text quoted by printf's ``%w`` (it doubles double quotes, which is CSV
    quoting); NULL text becomes '' first, since ``%w`` would print "(NULL)"."""

    def cell(col: ExportColumn) -> tuple[str, list[str]]:
        if col.kind == "number":
            return NUMBER_FORMAT, [col.sql]
        if col.kind == "datetime":
            return "%.19s", [col.sql]  # to the second; NULL prints nothing
        if col.kind == "free":
            return '"%s%w"', [neutralise_prefix_sql(col.sql), f"coalesce({col.sql}, '')"]
        if col.kind == "label":
            return '"%w"', [label_sql(col.sql, labels[col.lookup], neutralise,
                                      neutralised_sql(col.sql), "")]
        if col.kind == "flag":
            return "%s", [overdue.flag_sql()]  # 是/否/'': nothing to quote
        return '"%w"', [f"coalesce({col.sql}, '')"]

    number = NUMBER_FORMAT.encode()

    def numbers(_col: ExportColumn, values: np.ndarray, _first: int) -> list[bytes]:
        return [number % v for v in values.tolist()]

    return CellFormat(sql=cell, number=numbers, sep=",")


def write_csv(conn: Connection, out: str | os.PathLike[str], selection: SqlFilter,
              columns: tuple[ExportColumn, ...], *, now: dt.datetime,
              progress: Progress | None = None) -> int:
    """Write the selected cases to ``out`` (atomically); returns the number of cases."""
    report = Throttle(progress)
    total = count_cases(conn, selection)
    fmt = csv_format(load_labels(conn))
    done = 0
    report(0, total, "导出 CSV")
    with atomic_output(out) as tmp, open(tmp, "wb") as fh, background_writer(fh.write) as put:
        header = ",".join(quote(c.header) for c in columns) + "\r\n"
        put(header.encode("utf-8-sig"))
        for lines in rendered_rows(conn, selection, columns, fmt, now):
            done += len(lines)
            lines.append(b"")  # the last row ends with a line break too
            put(b"\r\n".join(lines))
            report(done, total, f"导出 CSV：{done:,}/{total:,} 件")
    return done
