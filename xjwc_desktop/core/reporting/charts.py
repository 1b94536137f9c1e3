"""The dashboard's charts as data: what each bar shows and which cases it stands for.

A :class:`ChartSpec` is plain data cut from :func:`dashboard_figures`; :mod:`.chart_render`
draws it with matplotlib for the report (PNG) and the GUI draws the same spec on its canvas,
so the report and the dashboard never disagree. Each bar carries the case filter it stands
for, as keyword arguments of :class:`~xjwc_desktop.core.queries.case_list.CaseFilter`
(``CaseFilter(**bar_filter)``) — None where the bar is not a set of cases (demolitions,
census, inspectors' averages).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from xjwc_desktop.core.model import CaseSource
from xjwc_desktop.core.reporting.case_figures import OPEN_STATUSES
from xjwc_desktop.core.reporting.numbers import area
from xjwc_desktop.core.reporting.periods import month_end

SOURCE_COLOURS = {"patrol": "#4C72B0", "hotline": "#DD8452", "district_grid": "#55A868",
                  "daliandong": "#C44E52", "wechat": "#8172B3"}
TOP_GRIDS = 15


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]
    filters: tuple[dict[str, Any] | None, ...] = ()  # one per bar, CaseFilter kwargs
    annotations: tuple[str, ...] = ()  # text over each bar
    colour: str | None = None


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "bar"  # "bar" (side by side), "stacked", "barh"
    value_label: str = "件"
    percent: bool = False
    target: float | None = None
    target_label: str = ""
    note: str = ""
    secondary: Series | None = None  # bars on a second value axis (another unit)
    secondary_label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def all_series(self) -> tuple[Series, ...]:
        """The series in drawing order, the secondary one last."""
        return self.series + ((self.secondary,) if self.secondary else ())

    def bar_filter(self, series: int, index: int) -> dict[str, Any] | None:
        """The case filter of one bar (None if that bar is not a set of cases)."""
        filters = self.all_series[series].filters
        return dict(filters[index]) if index < len(filters) and filters[index] else None


def _dates(figures: dict[str, Any]) -> dict[str, dt.date]:
    p = figures["period"]
    out = {}
    if p.get("from"):
        out["date_from"] = dt.date.fromisoformat(p["from"])
    if p.get("to"):
        out["date_to"] = dt.date.fromisoformat(p["to"])
    return out


def _month_dates(month: str, period: dict[str, dt.date]) -> dict[str, dt.date]:
    """The days of ``month`` within the period (a period may start or end mid-month)."""
    y, m = int(month[:4]), int(month[5:])
    first, last = dt.date(y, m, 1), month_end(y, m)
    if "date_from" in period:
        first = max(first, period["date_from"])
    if "date_to" in period:
        last = min(last, period["date_to"])
    return {"date_from": first, "date_to": last}


def cases_by_month(f: dict[str, Any]) -> ChartSpec:
    dates = _dates(f)
    months = [row["month"] for row in f["cases_by_month"]]
    series = tuple(Series(
        s.label, tuple(row["by_source"].get(s.value, 0) for row in f["cases_by_month"]),
        tuple({"sources": (s.value,), **_month_dates(m, dates)} for m in months),
        colour=SOURCE_COLOURS[s.value]) for s in CaseSource)
    return ChartSpec("cases_by_month", "各月案件（按来源）", tuple(months), series,
                     kind="stacked")


def top_categories(f: dict[str, Any]) -> ChartSpec:
    dates = _dates(f)
    rows = f["top_categories"]
    return ChartSpec("top_categories", f"案件最多的 {len(rows)} 个小类",
                     tuple(r["name"] for r in rows),
                     (Series("案件", tuple(r["count"] for r in rows),
                             tuple({"categories": (r["code"],), **dates} for r in rows)),),
                     kind="barh")


def by_zone(f: dict[str, Any]) -> ChartSpec:
    dates = _dates(f)
    rows = [r for r in f["by_zone"] if r["code"]]
    open_codes = tuple(s.value for s in OPEN_STATUSES)
    return ChartSpec("by_zone", "各巡查区案件", tuple(r["label"] for r in rows), (
        Series("全部", tuple(r["count"] for r in rows),
               tuple({"zone": r["code"], **dates} for r in rows),
               tuple(str(r["count"]) for r in rows), colour="#4C72B0"),
        Series("未结", tuple(r["open"] for r in rows),
               tuple({"zone": r["code"], "statuses": open_codes, **dates} for r in rows),
               tuple(str(r["open"]) for r in rows), colour="#DD8452")))


def by_grid(f: dict[str, Any], top: int = TOP_GRIDS) -> ChartSpec:
    dates = _dates(f)
    rows = f["by_grid"][:top]
    return ChartSpec("by_grid", f"案件密度最高的 {len(rows)} 个单元网格",
                     tuple(r["code"][-6:] for r in rows),
                     (Series("每公顷案件", tuple(r["per_hectare"] or 0 for r in rows),
                             tuple({"grid": r["code"], **dates} for r in rows),
                             tuple(str(r["count"]) for r in rows)),),
                     value_label="件/公顷", note="网格编码后 6 位；柱上数字为案件数",
                     extra={"codes": [r["code"] for r in rows]})


def inspectors(f: dict[str, Any]) -> ChartSpec:
    rows = f["inspectors"]
    target = max((r["target_per_day"] for r in rows), default=6)
    return ChartSpec("inspectors", "巡查员日均发现案件", tuple(r["name"] for r in rows),
                     (Series("日均发现", tuple(r["per_day"] for r in rows),
                             annotations=tuple(f"{r['per_day']:.2f}" for r in rows)),),
                     value_label="件/日", target=target, target_label=f"目标 {target} 件/日")


def departments(f: dict[str, Any]) -> ChartSpec:
    dates = _dates(f)
    rows = [r for r in f["departments"] if r["key"] and r["handling_on_time_rate"] is not None]
    return ChartSpec("departments", "各处置部门按时处置率", tuple(r["label"] for r in rows),
                     (Series("按时处置率", tuple(r["handling_on_time_rate"] for r in rows),
                             tuple({"departments": (r["key"],), **dates} for r in rows)),),
                     kind="barh", value_label="按时处置率", percent=True)


def demolished(f: dict[str, Any]) -> ChartSpec:
    rows = f["demolished_by_year"]
    return ChartSpec("demolished", "历年拆除违法建筑", tuple(f"{r['year']}年" for r in rows),
                     (Series("拆除（处）", tuple(r["count"] for r in rows),
                             annotations=tuple(str(r["count"]) for r in rows),
                             colour="#C44E52"),),
                     value_label="处",
                     secondary=Series("面积（㎡）", tuple(r["area_m2"] for r in rows),
                                      annotations=tuple(area(r["area_m2"]) for r in rows),
                                      colour="#937860"),
                     secondary_label="㎡")


def census(f: dict[str, Any]) -> ChartSpec:
    c = f["census"]
    parts = (("住宅", c["residential"]), ("非住宅", c["non_residential"]))
    return ChartSpec("census", "无证建筑普查：住宅与非住宅", tuple(p[0] for p in parts),
                     (Series("认定（处）", tuple(p[1]["count"] for p in parts),
                             annotations=tuple(str(p[1]["count"]) for p in parts),
                             colour="#55A868"),),
                     value_label="处",
                     secondary=Series("面积（㎡）", tuple(p[1]["area_m2"] for p in parts),
                                      annotations=tuple(area(p[1]["area_m2"]) for p in parts),
                                      colour="#937860"),
                     secondary_label="㎡")


BUILDERS = {"cases_by_month": cases_by_month, "top_categories": top_categories,
            "by_zone": by_zone, "by_grid": by_grid, "inspectors": inspectors,
            "departments": departments, "demolished": demolished, "census": census}


def dashboard_charts(figures: dict[str, Any]) -> list[ChartSpec]:
    """Every dashboard chart, in display order."""
    return [build(figures) for build in BUILDERS.values()]

