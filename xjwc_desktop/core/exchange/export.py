"""Exporting cases: one entry point for every format, for the CLI and the GUI alike.

The caller passes a read connection (``snapshot.read_only`` from the CLI, the open
database's engine from the GUI), the cases to export (a :class:`.selection.CaseSelection`
or the case list's own filter) and a progress callback. Every format is written to a
temporary file and renamed into place, so a failed or cancelled export leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Connection

from xjwc_desktop.core import clock
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange.columns import export_columns
from xjwc_desktop.core.exchange.progress import Progress
from xjwc_desktop.core.exchange.selection import ALL, SqlFilter


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"
    GPKG = "gpkg"
    SHP = "shp"
    PDF = "pdf"
    HTML = "html"

    @classmethod
    def for_path(cls, path: str | os.PathLike[str]) -> ExportFormat:
        """The format a file name asks for (``.json`` counts as GeoJSON)."""
        suffix = Path(path).suffix.lower().lstrip(".")
        suffix = {"json": "geojson", "htm": "html"}.get(suffix, suffix)
        try:
            return cls(suffix)
        except ValueError:
            names = "、".join(f.value for f in cls)
            raise InputError(f"无法从文件名“{Path(path).name}”判断导出格式，"
                             f"请用 --format 指定（{names}）。") from None


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: ExportFormat
    cases: int


def export_cases(conn: Connection, fmt: ExportFormat | str, out: str | os.PathLike[str],
                 selection: SqlFilter = ALL, *, gcj02: bool = False,
                 now: dt.datetime | None = None, progress: Progress | None = None,
                 title: str = "案件清单") -> ExportResult:
    """Write the selected cases to ``out`` as ``fmt``.

    ``gcj02`` adds GCJ-02 positions beside the WGS84 ones; ``now`` is the moment the
    overdue flags are computed for (default: now). Raises :class:`InputError` with a
    Chinese message for a target that cannot be written or a selection too large for the
    format; nothing is left behind then.
    """
    fmt = ExportFormat(fmt)
    now = now or clock.now()
    columns = export_columns(gcj02)
    kwargs = {"now": now, "progress": progress}
    if fmt is ExportFormat.CSV:
        from xjwc_desktop.core.exchange.csv_export import write_csv

        n = write_csv(conn, out, selection, columns, **kwargs)
    elif fmt is ExportFormat.XLSX:
        from xjwc_desktop.core.exchange.xlsx_export import write_xlsx

        n = write_xlsx(conn, out, selection, columns, title=title, **kwargs)
    elif fmt in (ExportFormat.GEOJSON, ExportFormat.GPKG, ExportFormat.SHP):
        from xjwc_desktop.core.exchange.geo_export import write_gis

        n = write_gis(conn, out, fmt.value, selection, columns, **kwargs)
    elif fmt is ExportFormat.PDF:
        from xjwc_desktop.core.exchange.pdf_list import write_case_list_pdf

        n = write_case_list_pdf(conn, out, selection, title=title, **kwargs)
    else:
        from xjwc_desktop.core.exchange.html_export import write_html_map

        n = write_html_map(conn, out, selection, columns, title=title, **kwargs)
    return ExportResult(Path(out), fmt, n)
