"""``xjwc report``: the Chinese work report of a period as PDF, XLSX or DOCX."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from xjwc_desktop.cli.options import add_db_option, db_path
from xjwc_desktop.core.errors import InputError


def register(sub) -> None:
    cmd = sub.add_parser("report", help="工作报告：网格中心工单、违法搭建、无证建筑、"
                                        "公益自行车、办理绩效（PDF/XLSX/DOCX）")
    add_db_option(cmd)
    cmd.add_argument("--period", required=True,
                     help="统计月份 YYYY-MM..YYYY-MM（含），例如 2015-01..2015-10；或单月 2015-03")
    cmd.add_argument("--format", dest="fmt", choices=["pdf", "xlsx", "docx"],
                     help="文件格式（默认按 --out 的扩展名）")
    cmd.add_argument("--out", required=True, help="输出文件")
    cmd.add_argument("--radius", type=float, default=500.0,
                     help="公益自行车站点覆盖半径（米，直线距离），默认 500")
    cmd.set_defaults(func=run_report)


def _format(args) -> str:
    if args.fmt:
        return args.fmt
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix in ("pdf", "xlsx", "docx"):
        return suffix
    raise InputError(f"无法从“{args.out}”看出报告格式，请用 --format pdf|xlsx|docx 指定。")


def run_report(args) -> int:
    from xjwc_desktop.core.reporting.periods import parse_month_period, period_label
    from xjwc_desktop.core.reporting.report import build_report, write_report
    from xjwc_desktop.core.storage.database import open_database

    fmt = _format(args)
    period = parse_month_period(args.period)
    out = Path(args.out).expanduser()
    if not out.parent.is_dir():
        raise InputError(f"文件夹“{out.parent}”不存在。")
    if args.radius <= 0:
        raise InputError(f"覆盖半径应大于 0 米，而不是 {args.radius:g}。")
    started = time.perf_counter()
    db = open_database(db_path(args))
    try:
        with db.write() as s:
            report = build_report(s, period, radius_m=args.radius)
        write_report(report, fmt, out)
    finally:
        db.close()
    print(f"已生成 {period_label(period)} 工作报告（{fmt.upper()}）：{out} "
          f"（{time.perf_counter() - started:.1f} s）", file=sys.stdout)
    return 0
