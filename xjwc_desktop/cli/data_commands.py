"""Subcommands that work on the data without the GUI: demo, stats."""

from __future__ import annotations

import sys
import time

from xjwc_desktop.cli.options import (
    add_db_option,
    check_period,
    db_path,
    opened_database,
    parse_date,
    positive_int,
    print_json,
)
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.i18n import tr


def register(sub) -> None:
    demo = sub.add_parser("demo", help="创建演示数据库（与 2016 年工作报告数字一致）")
    add_db_option(demo)
    demo.add_argument("--cases", type=positive_int, default=0,
                      help="另加 N 件合成案件（2016 年以后，用于规模测试）")
    demo.add_argument("--seed", type=int, default=2015, help="随机种子（同一种子结果相同）")
    demo.set_defaults(func=run_demo)

    stats = sub.add_parser("stats", help="统计：各渠道案件、违法建筑、无证建筑、公益自行车")
    add_db_option(stats)
    stats.add_argument("--json", action="store_true", help="输出 JSON")
    stats.add_argument("--from", dest="date_from", type=parse_date, help="起始日期 YYYY-MM-DD")
    stats.add_argument("--to", dest="date_to", type=parse_date, help="结束日期 YYYY-MM-DD（含）")
    stats.set_defaults(func=run_stats)
    register_inspectors(sub)
    register_categories(sub)
    register_metrics(sub)


def register_inspectors(sub) -> None:
    cmd = sub.add_parser("inspectors", help="巡查员：所属巡查区、每日发现数（目标 6 件）、待核查")
    add_db_option(cmd)
    cmd.add_argument("--from", dest="date_from", type=parse_date, required=True)
    cmd.add_argument("--to", dest="date_to", type=parse_date, required=True)
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(func=run_inspectors)


def run_inspectors(args) -> int:
    from xjwc_desktop.core.inspectors import inspector_overview

    check_period(args.date_from, args.date_to)
    with opened_database(args) as db, db.write() as s:
        rows = [o.as_dict() for o in inspector_overview(s, args.date_from, args.date_to)]
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['code']} {r['name']}  {r['zone_label']}  发现 {r['found']} 件，"
              f"日均 {r['per_day']}（目标 {r['target_per_day']}），"
              f"未达标 {r['days_below_target']} 天，待核查 {r['verification_waiting']} 件")
    return 0


def register_categories(sub) -> None:
    cmd = sub.add_parser("category", help="案件类别：列出，或（管理员）修改处置时限等")
    add_db_option(cmd)
    cmd.add_argument("code", nargs="?", help="要修改的类别（代码或小类名称）；省略则列出全部")
    cmd.add_argument("--as", dest="role", default="管理员", help="角色（只有管理员可以修改）")
    cmd.add_argument("--time-limit", type=float, help="处置时限数值")
    cmd.add_argument("--unit", help="时限单位：工作时 / 工作日")
    cmd.add_argument("--department", help="默认处置部门")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(func=run_categories)


def run_categories(args) -> int:
    from xjwc_desktop.core.workflow import Actor, Role
    from xjwc_desktop.core.workflow.categories import list_categories, update_category

    with opened_database(args) as db, db.write() as s:
        if args.code:
            changes = {k: v for k, v in (("time_limit", args.time_limit),
                                         ("time_limit_unit", args.unit),
                                         ("default_department", args.department))
                       if v is not None}
            try:
                role = Role.from_text(args.role)
            except ValueError as exc:
                raise InputError(str(exc)) from exc
            update_category(s, args.code, Actor(role), workstation_id=db.workstation_id,
                            **changes)
        rows = [{"code": c.code, "kind": c.kind.label, "major": c.major, "name": c.name,
                 "time_limit": c.time_limit, "unit": c.time_limit_unit.label,
                 "department": c.default_department_code, "active": c.active}
                for c in list_categories(s)]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['code']}  {r['kind']}/{r['major']}/{r['name']}  "
                  f"{r['time_limit']:g} {r['unit']}  {r['department'] or ''}")
    return 0


def register_metrics(sub) -> None:
    cmd = sub.add_parser("metrics", help="考核指标：结案率、按期结案率、处置率、返工率……")
    add_db_option(cmd)
    cmd.add_argument("--from", dest="date_from", type=parse_date, help="立案起始日期")
    cmd.add_argument("--to", dest="date_to", type=parse_date, help="立案结束日期（含）")
    cmd.add_argument("--by", choices=["month", "zone", "department", "category", "inspector",
                                      "source"], help="分组")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(func=run_metrics)


def run_metrics(args) -> int:
    from xjwc_desktop.core.metrics import RATE_FIELDS, compute_metrics, percent
    from xjwc_desktop.core.stats import Period

    check_period(args.date_from, args.date_to)
    with opened_database(args) as db, db.write() as s:
        rows = compute_metrics(s, Period(args.date_from, args.date_to), by=args.by)
    if args.json:
        print_json([r.as_dict() for r in rows])
        return 0
    for r in rows:
        rates = "，".join(f"{label} {percent(getattr(r, name))}" for name, label in RATE_FIELDS)
        hours = "—" if r.mean_handling_hours is None else f"{r.mean_handling_hours:.1f}"
        print(f"{r.label}：应结案 {r.to_close:,}，结案 {r.closed:,}，{rates}，"
              f"平均处置 {hours} 工作时")
    return 0


def run_demo(args) -> int:
    from xjwc_desktop.core.demo.generate import create_demo

    started = time.perf_counter()
    path = create_demo(db_path(args), cases=args.cases, seed_value=args.seed,
                       progress=lambda msg: print(msg, file=sys.stderr))
    print(f"{tr('演示数据库已创建')}: {path} ({time.perf_counter() - started:.1f} s)")
    return 0


def run_stats(args) -> int:
    from xjwc_desktop.core.stats import Period, street_figures

    check_period(args.date_from, args.date_to)
    period = Period(args.date_from, args.date_to)
    with opened_database(args) as db, db.write() as s:
        figures = street_figures(s, period)
        if args.json:  # scripts and the district get every dashboard figure too
            figures.update(dashboard_json(s, period))
    if args.json:
        print_json(figures)
    else:
        print(format_figures(figures))
    return 0


def dashboard_json(session, period) -> dict:
    """The dashboard's figures, hotspots and bike coverage, beside street_figures' keys."""
    from xjwc_desktop.core.reporting import bike_coverage, dashboard_figures, find_hotspots
    from xjwc_desktop.core.reporting.case_figures import closed_in_period

    conn = session.connection()
    dashboard = dashboard_figures(session, period)
    # Closures by their own date: a full scan the dashboard skips, cheap enough for a script.
    dashboard["kpis"]["closed_in_period"] = closed_in_period(conn, period)
    return {"dashboard": dashboard,
            "hotspots": find_hotspots(conn, period),
            "bike_coverage": bike_coverage(conn)}


def format_figures(f: dict) -> str:
    """The figures as a short Chinese text, as they would be read out in a report."""
    p = f["period"]
    lines = [f"{tr('统计期间')}: {p['from'] or '—'} ~ {p['to'] or '—'}",
             f"{tr('案件总数')}: {f['cases']['total']:,}"]
    lines += [f"  {v['label']}: {v['count']:,}" for v in f["cases"]["by_source"].values()]
    lines.append(tr("按状态") + ": " + "，".join(
        f"{v['label']} {v['count']:,}" for v in f["cases"]["by_status"].values()))
    pt = f["patrol"]
    lines.append(f"{tr('巡查发现')}: {pt['inspectors']} 名巡查员，人均每日 "
                 f"{pt['per_inspector_per_day']} 件（单日最少 {pt['lowest_inspector_day']} 件）")
    d = f["illegal_structures"]["demolished"]
    lines.append(f"{tr('拆除违法建筑')}: {d['count']} 处，{d['area_m2']:,.2f} ㎡")
    c = f["census"]
    res, non, total = c["residential"], c["non_residential"], c["total"]
    lines.append(f"{tr('无证建筑')}: 住宅 {res['count']} 处 {res['area_m2']:,.2f} ㎡，"
                 f"非住宅 {non['count']} 处 {non['area_m2']:,.2f} ㎡，"
                 f"共计 {total['count']} 处 {total['area_m2']:,.2f} ㎡")
    b = f["bike_stations"]
    lines.append(f"{tr('公益自行车')}: 站点 {b['stations']} 处，自行车 {b['bikes']} 辆")
    return "\n".join(lines)
