"""``xjwc export`` and ``xjwc import``: case lists out, work orders and registers in.

Both read the database through a read-only connection first; only an import that is
accepted (not refused, not ``--dry-run``) opens it for writing. Progress goes to stderr as
one updating line (or a few plain lines when stderr is not a terminal).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from xjwc_desktop.cli.options import add_db_option, check_period, db_path, parse_date
from xjwc_desktop.core import clock
from xjwc_desktop.core.errors import InputError

EXIT_REFUSED = 1  # an import refused for bad rows (2 is for unusable files/databases)


class ProgressLine:
    """The core's progress callback as a line on stderr."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_message = ""
        self.last_print = 0.0

    def __call__(self, done: int, total: int, message: str) -> None:
        percent = f"（{done * 100 // total}%）" if total else ""
        if self.tty:
            sys.stderr.write(f"\r\x1b[K{message}{percent}")
            sys.stderr.flush()
            return
        # In a log, one line per phase and at most one every two seconds.
        phase = message.split("：")[0]
        now = time.monotonic()
        if phase != self.last_message or now - self.last_print > 2:
            print(f"{message}{percent}", file=sys.stderr)
            self.last_message, self.last_print = phase, now

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def register(sub) -> None:
    out = sub.add_parser("export", help="导出案件：CSV、XLSX、GeoJSON、GeoPackage、Shapefile、"
                                        "PDF、网页地图")
    add_db_option(out)
    out.add_argument("--out", required=True, help="输出文件（Shapefile 给出 .shp 文件名）")
    out.add_argument("--format", help="csv、xlsx、geojson、gpkg、shp、pdf、html（默认按扩展名）")
    out.add_argument("--status", help="状态，逗号分隔，如 受理,立案")
    out.add_argument("--source", help="来源，如 12345热线,区网格")
    out.add_argument("--category", help="类别（小类名称或代码），逗号分隔")
    out.add_argument("--zone", help="巡查区：北（殷行路以北）或 南")
    out.add_argument("--dept", help="处置部门（名称、代码或类型），逗号分隔")
    out.add_argument("--from", dest="date_from", type=parse_date, help="上报日期起 YYYY-MM-DD")
    out.add_argument("--to", dest="date_to", type=parse_date, help="上报日期止（含）")
    out.add_argument("--ids", help="只导出这些案件（id 或案卷号，逗号分隔；可与筛选合用）")
    out.add_argument("--gcj02", action="store_true", help="另加 GCJ-02 经纬度（高德、腾讯地图）")
    out.add_argument("--title", help="PDF/网页地图的标题")
    out.add_argument("--sheet", metavar="CASE", help="打印一件案件的案卷（PDF），给出 id 或案卷号")
    out.set_defaults(func=run_export)

    imp = sub.add_parser("import", help="导入 12345/区网格工单、违法搭建、无证建筑普查、"
                                        "公益自行车站点")
    imp.add_argument("kind", metavar="KIND", choices=("12345", "grid", "structures", "census",
                                                        "bikes"),
                     help="12345（热线工单）、grid（区网格工单）、structures（违法搭建）、"
                          "census（无证建筑普查）、bikes（公益自行车站点）")
    imp.add_argument("file", help="CSV（UTF-8 或 GBK）或 XLSX 文件")
    add_db_option(imp)
    imp.add_argument("--crs", default="wgs84",
                     help="文件中坐标的坐标系：wgs84（默认）、gcj02（高德/腾讯）、bd09（百度）、cgcs2000")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    imp.add_argument("--skip-bad", action="store_true", help="导入正确的行，列出有错误的行")
    imp.add_argument("--mapping", help="列对应，如 诉求单号=工单编号,备注2=-（- 表示忽略该列）")
    imp.add_argument("--unlocated-out", help="未定位行的输出文件（默认：原文件名.未定位.csv）")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")
    imp.set_defaults(func=run_import)


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").replace("，", ",").split(",") if p.strip()]


def _enum_codes(enum_cls, text: str | None) -> tuple[str, ...]:
    try:
        return tuple(enum_cls.from_text(t).value for t in _split(text))
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def _selection(args, conn):
    from xjwc_desktop.core.exchange.selection import CaseSelection
    from xjwc_desktop.core.model import CaseSource, CaseStatus, ZoneCode

    check_period(args.date_from, args.date_to)
    zone = None
    if args.zone:
        zone = {"北": "north", "南": "south"}.get(args.zone.strip()) or \
            _enum_codes(ZoneCode, args.zone)[0]

    def lookup(table: str, text: str | None, label: str, columns: str) -> tuple[str, ...]:
        codes = []
        for name in _split(text):
            row = conn.exec_driver_sql(
                f"SELECT code FROM {table} WHERE ? IN ({columns}) AND deleted_at IS NULL",
                (name,)).first()
            if row is None:
                known = "、".join(r[0] for r in conn.exec_driver_sql(
                    f"SELECT name FROM {table} WHERE deleted_at IS NULL ORDER BY code"))
                raise InputError(f"未知的{label}“{name}”，可选：{known}")
            codes.append(row[0])
        return tuple(codes)

    return CaseSelection(
        statuses=_enum_codes(CaseStatus, args.status),
        sources=_enum_codes(CaseSource, args.source),
        categories=lookup("categories", args.category, "类别", "code, name"),
        zone=zone,
        departments=lookup("departments", args.dept, "处置部门", "code, name, kind"),
        date_from=args.date_from, date_to=args.date_to,
        case_ids=tuple(_split(args.ids)) if args.ids else None)


def _format(text: str | None, out: Path):
    from xjwc_desktop.core.exchange.export import ExportFormat

    if not text:
        return ExportFormat.for_path(out)
    try:
        return ExportFormat(text.lower())
    except ValueError:
        raise InputError(f"未知的导出格式“{text}”，可选："
                         f"{'、'.join(f.value for f in ExportFormat)}。") from None


def run_export(args) -> int:
    from xjwc_desktop.core.exchange.export import export_cases
    from xjwc_desktop.core.exchange.snapshot import read_only

    out = Path(args.out).expanduser()
    with read_only(db_path(args)) as conn:
        if args.sheet:
            from xjwc_desktop.core.exchange.pdf_case import write_case_sheet

            case_no = write_case_sheet(conn, args.sheet, out, now=clock.now())
            print(f"已导出案卷 {case_no}：{out}")
            return 0
        fmt = _format(args.format, out)
        progress = ProgressLine()
        try:
            result = export_cases(conn, fmt, out, _selection(args, conn), gcj02=args.gcj02,
                                  progress=progress, title=args.title or "案件清单")
        finally:
            progress.close()
    print(f"已导出 {result.cases:,} 件案件（{fmt.value.upper()}）：{out}")
    return 0


def run_import(args) -> int:
    from xjwc_desktop.core.exchange.crs import parse_crs
    from xjwc_desktop.core.exchange.importer import import_file

    progress = ProgressLine()
    try:
        report = import_file(db_path(args), args.kind, Path(args.file).expanduser(),
                             crs=parse_crs(args.crs), mapping=args.mapping,
                             dry_run=args.dry_run, skip_bad=args.skip_bad,
                             unlocated_path=args.unlocated_out, progress=progress)
    finally:
        progress.close()
    if args.json:
        notes = lambda ns: [{"row": n.row, "key": n.key, "reason": n.reason} for n in ns]  # noqa: E731
        json.dump({"file": str(report.file), "rows": report.rows,
                   "importable": report.importable, "added": report.added,
                   "already": notes(report.already), "bad": notes(report.bad),
                   "unlocated": notes(report.unlocated),
                   "placed_by_address": report.placed_by_address, "refused": report.refused,
                   "dry_run": report.dry_run,
                   "unlocated_file": str(report.unlocated_file or "") or None},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print("\n".join(report.lines()))
    return EXIT_REFUSED if report.refused else 0
