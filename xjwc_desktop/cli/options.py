"""Argument helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path

from xjwc_desktop.core.errors import InputError


def add_db_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps a subcommand from clobbering a --db given before the subcommand, so
    # "xjwc --db X stats" and "xjwc stats --db X" both work; db_path() checks presence.
    parser.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件路径")


def db_path(args: argparse.Namespace, *, required: bool = True) -> Path | None:
    """The --db path given before or after the subcommand."""
    value = getattr(args, "db", None)
    if not value:
        if required:
            raise InputError(f"“xjwc {args.command}”需要用 --db 指定数据库文件。")
        return None
    return Path(value).expanduser()


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期“{text}”应写成 YYYY-MM-DD，例如 2015-01-31") from exc


def positive_int(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"“{text}”不能为负数")
    return value


def check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start > end:
        raise InputError(f"起始日期 {start} 晚于结束日期 {end}。")


@contextlib.contextmanager
def opened_database(args: argparse.Namespace):
    """The --db database, opened (and closed again whatever happens)."""
    from xjwc_desktop.core.storage.database import open_database

    db = open_database(db_path(args))
    try:
        yield db
    finally:
        db.close()


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    print()
