"""The five sections of the work report, in the words and order of the 2016 report.

The sentences follow the seed report (``shared/seed``) so that a reader finds the figures
where the office's own report has them: "2015年1月至10月，网格中心共接收、派发12345工单125起，
区网格工单49起，大联动信息平台问题1910件，微信平台案件49起。" Every number is computed
from the database; only the wording is fixed.
"""

from __future__ import annotations

from typing import Any

from xjwc_desktop.core.metrics import RATE_FIELDS, MetricRow
from xjwc_desktop.core.reporting.chart_render import chart_png
from xjwc_desktop.core.reporting.charts import BUILDERS
from xjwc_desktop.core.reporting.numbers import area, count, per_day, percent
from xjwc_desktop.core.reporting.report.content import (
    AREA,
    COUNT,
    DECIMAL,
    RATE,
    TEXT,
    Chart,
    Section,
    Table,
)

# How the seed names each channel and counts its items (起 for work orders, 件 for issues).
CHANNEL_WORDS = (("hotline", "12345工单", "起"), ("district_grid", "区网格工单", "起"),
                 ("daliandong", "大联动信息平台问题", "件"), ("wechat", "微信平台案件", "起"))
RATE_FORMULAS = {
    "closure_rate": ("closed", "to_close"), "closure_on_time_rate": ("closed_on_time", "to_close"),
    "handling_rate": ("handled", "to_handle"),
    "handling_on_time_rate": ("handled_on_time", "to_handle"),
    "rework_rate": ("reworked", "handled"),
    "dispatch_on_time_rate": ("dispatched_on_time", "to_dispatch"),
    "dispatch_accuracy_rate": ("dispatched − reworked", "to_dispatch"),
    "register_on_time_rate": ("registered_on_time", "registered"),
    "register_accuracy_rate": ("registered − voided", "registered"),
}


def _chart(key: str, figures: dict[str, Any]) -> Chart:
    spec = BUILDERS[key](figures)
    return Chart(spec, chart_png(spec))


def intake(d: dict[str, Any], street: dict[str, Any], hotspots: dict[str, Any],
           closed_by_date: int) -> Section:
    """一、网格中心工单受理与派发."""
    label = d["period"]["label"]
    by_source = street["cases"]["by_source"]
    channels = "，".join(f"{word}{count(by_source[key]['count'])}{unit}"
                        for key, word, unit in CHANNEL_WORDS)
    patrol = street["patrol"]
    k = d["kpis"]
    blocks: list = [
        f"{label}，网格中心共接收、派发{channels}。",
        f"网格巡查员以殷行路为界开展全天候巡查，{patrol['inspectors']}名巡查员共巡查发现案件"
        f"{count(patrol['cases'])}件，人均日巡查发现案件{per_day(patrol['per_inspector_per_day'])}件"
        f"（目标为6件以上，单日最少{count(patrol['lowest_inspector_day'])}件）。",
        f"本期各渠道共受理案件{count(k['reported'])}件，目前已结案"
        f"{count(d['cases']['by_status']['closed']['count'])}件，未结{count(k['open'])}件，"
        f"其中超期{count(k['overdue'])}件；期内结案（按结案日期）{count(closed_by_date)}件。",
        Table("各渠道受理案件", ("来源", "件数", "占比"), (TEXT, COUNT, RATE), tuple(
            (v["label"], v["count"], v["count"] / k["reported"] if k["reported"] else None)
            for v in d["cases"]["by_source"].values())),
        Table("各月受理案件（按来源）",
              ("月份", *(v["label"] for v in d["cases"]["by_source"].values()), "合计"),
              (TEXT, *(COUNT,) * len(d["cases"]["by_source"]), COUNT), tuple(
                  (m["month"], *m["by_source"].values(), m["total"])
                  for m in d["cases_by_month"])),
        _chart("cases_by_month", d),
        Table("案件最多的小类", ("小类", "大类", "件数", "未结"), (TEXT, TEXT, COUNT, COUNT),
              tuple((c["name"], c["major"], c["count"], c["open"]) for c in d["top_categories"])),
        _chart("top_categories", d),
        Table("各巡查区案件", ("巡查区", "件数", "未结"), (TEXT, COUNT, COUNT),
              tuple((z["label"], z["count"], z["open"]) for z in d["by_zone"])),
    ]
    if hotspots["clusters"]:
        names = "、".join(dict.fromkeys(c["name"] for c in hotspots["clusters"][:3]))
        blocks.append(f"案件高发点位集中在{names}一带（按250米范围内案件密度排列）。")
    blocks += [
        Table("案件高发点位",
              ("排名", "点位", "单元网格", "案件数", "峰值密度(件/公顷)", "主要问题"),
              (COUNT, TEXT, TEXT, COUNT, DECIMAL, TEXT), tuple(
                  (c["rank"], c["name"], c["grid_code"], c["cases"], c["peak_per_hectare"],
                   "、".join(f"{t['name']}{t['count']}" for t in c["top_categories"]))
                  for c in hotspots["clusters"])),
        _chart("by_grid", d),
        Table("巡查员每日发现案件", ("巡查员", "巡查区", "发现", "在岗天数", "日均", "未达标天数"),
              (TEXT, TEXT, COUNT, COUNT, DECIMAL, COUNT), tuple(
                  (i["name"], i["zone_label"], i["found"], i["days"], i["per_day"],
                   i["days_below_target"]) for i in d["inspectors"])),
        _chart("inspectors", d),
    ]
    return Section("一、网格中心工单受理与派发", tuple(blocks))


def structures(d: dict[str, Any], review: dict[str, Any], in_period: dict[str, Any],
               standing: dict[str, Any]) -> Section:
    """二、违法搭建整治."""
    years = (review["last_year"] or 0) - (review["first_year"] or 0) + 1
    span = (f"（{review['first_year']}–{review['last_year']}年）" if review["first_year"]
            else "")
    return Section("二、违法搭建整治", (
        f"{years}年以来{span}，街道共拆除违法建筑{count(review['count'])}处，"
        f"面积共计{area(review['area_m2'])}㎡。",
        f"{d['period']['label']}拆除违法建筑{count(in_period['count'])}处，"
        f"面积{area(in_period['area_m2'])}㎡；尚未拆除的违法建筑{count(standing['count'])}处，"
        f"面积{area(standing['area_m2'])}㎡。",
        Table("历年拆除违法建筑", ("年份", "拆除（处）", "面积（㎡）"), (TEXT, COUNT, AREA),
              tuple((f"{r['year']}年", r["count"], r["area_m2"])
                    for r in d["demolished_by_year"])),
        _chart("demolished", d),
    ))


def census(d: dict[str, Any], uses: list[dict[str, Any]]) -> Section:
    """三、无证建筑普查."""
    c = d["census"]
    res, non, total = c["residential"], c["non_residential"], c["total"]
    return Section("三、无证建筑普查", (
        f"住宅区域共认定无证建筑{count(res['count'])}处，总面积{area(res['area_m2'])}㎡；"
        f"非住宅区域共认定无证建筑{count(non['count'])}处，总面积{area(non['area_m2'])}㎡，"
        f"共计{count(total['count'])}处，面积{area(total['area_m2'])}㎡。",
        Table("无证建筑按用途", ("区域", "用途", "处数", "面积（㎡）"), (TEXT, TEXT, COUNT, AREA),
              tuple(("住宅区域" if u["residential"] else "非住宅区域", u["use"], u["count"],
                     u["area_m2"]) for u in uses)),
        _chart("census", d),
    ))


def bikes(d: dict[str, Any], coverage: dict[str, Any]) -> Section:
    """四、公益自行车."""
    b = d["bikes"]
    n = len(coverage["compounds"])
    gaps = "、".join(coverage["gaps"])
    reach = (f"按站点周边{coverage['radius_m']:g}米（{coverage['distance']}）计，"
             f"{n}个小区（园区）中有{len(coverage['covered'])}个在站点范围内，站点范围覆盖街道面积的"
             f"{percent(coverage['area_share'])}")
    return Section("四、公益自行车", (
        f"与第三方公司合作，设立公益自行车站点{count(b['stations'])}处，"
        f"配备公益自行车{count(b['bikes'])}辆（车桩{count(b['capacity'])}个）。",
        reach + (f"；{gaps}尚无站点覆盖。" if gaps else "；所有小区均已覆盖。"),
        Table("小区与最近的公益自行车站点",
              ("小区/园区", "类型", "最近站点", "直线距离（米）", "是否覆盖"),
              (TEXT, TEXT, TEXT, COUNT, TEXT), tuple(
                  (c["name"], c["kind"], c["nearest_station"], c["distance_m"],
                   "是" if c["covered"] else "否") for c in coverage["compounds"])),
        Table("公益自行车站点", ("站点", "自行车（辆）", "车桩（个）", "覆盖小区"),
              (TEXT, COUNT, COUNT, TEXT), tuple(
                  (s["name"], s["bikes"], s["capacity"], "、".join(s["compounds_in_reach"]))
                  for s in coverage["stations"])),
    ))


def performance(d: dict[str, Any], total: MetricRow, departments: list[MetricRow],
                months: list[MetricRow]) -> Section:
    """五、案件办理绩效 (compute_metrics: cases registered in the period)."""
    rates = "，".join(f"{label}{percent(getattr(total, name))}" for name, label in RATE_FIELDS)
    return Section("五、案件办理绩效", (
        f"{d['period']['label']}立案{count(total.registered)}件，应结案{count(total.to_close)}件，"
        f"结案{count(total.closed)}件，按期结案{count(total.closed_on_time)}件；{rates}。",
        Table("考核指标", ("指标", "数值", "分子", "分母"), (TEXT, RATE, COUNT, COUNT), tuple(
            (label, getattr(total, name), *_terms(total, name)) for name, label in RATE_FIELDS),
            note="结案率 = 结案数 / 应结案数；按期结案率 = 按期结案数 / 应结案数；"
                 "返工率 = 返工数 / 处置数（挂账、作废案件不计入应结案数）。"),
        Table("各处置部门办理情况",
              ("处置部门", "应处置", "处置", "按时处置", "按时处置率", "返工率", "结案率"),
              (TEXT, COUNT, COUNT, COUNT, RATE, RATE, RATE), tuple(
                  (r.label, r.to_handle, r.handled, r.handled_on_time, r.handling_on_time_rate,
                   r.rework_rate, r.closure_rate) for r in departments if r.key is not None)),
        _chart("departments", d),
        Table("各月考核指标", ("月份", "立案", "结案", "结案率", "按期结案率", "返工率"),
              (TEXT, COUNT, COUNT, RATE, RATE, RATE), tuple(
                  (r.label, r.registered, r.closed, r.closure_rate, r.closure_on_time_rate,
                   r.rework_rate) for r in months)),
    ))


def _terms(row: MetricRow, rate: str) -> tuple[int, int]:
    """Numerator and denominator of a rate, as counts of ``row``."""
    top, bottom = RATE_FORMULAS[rate]
    if "−" in top:
        a, b = (t.strip() for t in top.split("−"))
        numerator = getattr(row, a) - getattr(row, b)
    else:
        numerator = getattr(row, top)
    return numerator, getattr(row, bottom)

