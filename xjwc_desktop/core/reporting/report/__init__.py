"""The Chinese work report: figures from the database, in the structure of the 2016 report.

:func:`build_report` gathers the figures (dashboard aggregates, ``compute_metrics`` for
the rates, hotspots, bike coverage) into a :class:`Report`; :func:`write_report` writes it
as PDF, XLSX or DOCX. The file appears only when complete (written beside it, then moved).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy.orm import Session

from xjwc_desktop.core import clock
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.metrics import compute_metrics
from xjwc_desktop.core.reporting.buildings import census_by_use, demolished_total, review_years
from xjwc_desktop.core.reporting.case_figures import closed_in_period
from xjwc_desktop.core.reporting.coverage import DEFAULT_RADIUS_M, bike_coverage
from xjwc_desktop.core.reporting.dashboard import dashboard_figures
from xjwc_desktop.core.reporting.hotspots import find_hotspots
from xjwc_desktop.core.reporting.report import sections
from xjwc_desktop.core.reporting.report.content import Chart, Report, Section, Table
from xjwc_desktop.core.stats import Period, street_figures

FORMATS = ("pdf", "xlsx", "docx")
TITLE = "新江湾城街道网格化管理中心工作报告"


def build_report(session: Session, period: Period, *, now: dt.datetime | None = None,
                 radius_m: float = DEFAULT_RADIUS_M) -> Report:
    """The report of ``period`` (cases by report date; rates by registration date, as
    ``compute_metrics``; demolitions over the three years ending with the period's year)."""
    now = now or clock.now()
    figures = dashboard_figures(session, period, now=now)
    street = street_figures(session, period)
    conn = session.connection()
    total = compute_metrics(session, period)[0]
    review = demolished_total(conn, review_years(period))
    hotspots = find_hotspots(conn, period)
    coverage = bike_coverage(conn, radius_m)
    report_sections = (
        sections.intake(figures, street, hotspots, closed_in_period(conn, period)),
        sections.structures(figures, review, street["illegal_structures"]["demolished"],
                            street["illegal_structures"]["not_demolished"]),
        sections.census(figures, census_by_use(conn)),
        sections.bikes(figures, coverage),
        sections.performance(figures, total, compute_metrics(session, period, by="department"),
                             compute_metrics(session, period, by="month")),
    )
    p = figures["period"]
    subtitle = (f"统计期间：{p['label']}（{p['from'] or '—'} 至 {p['to'] or '—'}）　"
                f"数据截至：{now:%Y-%m-%d %H:%M}")
    return Report(TITLE, subtitle, p["label"], now, report_sections,
                  {"dashboard": figures, "street": street, "hotspots": hotspots,
                   "bike_coverage": coverage, "metrics": total.as_dict()})


def write_report(report: Report, fmt: str, out: str | os.PathLike[str]) -> Path:
    """Write ``report`` as ``fmt`` (pdf, xlsx, docx) to ``out``; returns the path."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"不支持的报告格式“{fmt}”，可选：{'、'.join(FORMATS)}。")
    path = Path(out).expanduser()
    if not path.parent.is_dir():
        raise InputError(f"文件夹“{path.parent}”不存在。")
    if fmt == "pdf":
        from xjwc_desktop.core.reporting.report.pdf import render_pdf as render
    elif fmt == "xlsx":
        from xjwc_desktop.core.reporting.report.xlsx import render_xlsx as render
    else:
        from xjwc_desktop.core.reporting.report.docx import render_docx as render
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with tmp.open("wb") as fh:
            render(report, fh)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


__all__ = ["FORMATS", "Chart", "Report", "Section", "Table", "build_report", "write_report"]
