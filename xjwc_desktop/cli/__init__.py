"""The ``xjwc`` command: the GUI by default, and the scripting subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from xjwc_desktop import __version__
from xjwc_desktop.cli import (
    case_commands,
    data_commands,
    exchange_commands,
    gui_commands,
    report_commands,
    sync_commands,
)
from xjwc_desktop.cli.options import db_path
from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.exchange.atomic import disk_full_message, is_disk_full, out_of_space
from xjwc_desktop.core.i18n import LANGUAGES, set_language


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xjwc",
        description="新江湾城街道网格化管理中心桌面 GIS。不带子命令时启动图形界面。",
    )
    parser.add_argument("--version", action="version", version=f"xjwc {__version__}")
    parser.add_argument(
        "--db", help="数据库文件（默认：本机数据目录中的 xjwc.sqlite，首次启动时创建演示库）")
    parser.add_argument("--lang", choices=sorted(LANGUAGES), help="界面语言 zh/en")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    data_commands.register(sub)
    case_commands.register(sub)
    exchange_commands.register(sub)
    report_commands.register(sub)
    sync_commands.register(sub)
    gui_commands.register(sub)
    parser.set_defaults(func=gui_commands.run_app)
    return parser


def _db_files(args: argparse.Namespace) -> list[Path]:
    """The database's files (SQLite's journal beside it) for a disk-full check."""
    path = db_path(args, required=False)
    return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-journal")] if path else []


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        set_language(args.lang)
    try:
        return int(args.func(args) or 0)
    except XjwcError as exc:
        print(f"xjwc: {exc}", file=sys.stderr)
        return exc.exit_code
    except OperationalError as exc:
        if is_disk_full(exc) or ("disk I/O error" in str(exc) and out_of_space(_db_files(args))):
            print("xjwc: 磁盘空间不足，无法写入数据库：本次的修改已全部撤回，数据库未改动。"
                  "请清理磁盘后重试。", file=sys.stderr)
            return 2
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
        print("xjwc: 数据库正被其他程序写入，请稍后重试；本次未做任何改动。", file=sys.stderr)
        return 3
    except BrokenPipeError:  # e.g. piped into head: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except OSError as exc:  # a write outside the exports' atomic files
        if not is_disk_full(exc):
            raise
        print(f"xjwc: {disk_full_message(exc.filename or '输出文件')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xjwc: 已中断，未完成的写入已回滚。", file=sys.stderr)
        return 130
