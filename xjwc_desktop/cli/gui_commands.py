"""Subcommands that need Qt: the application itself and the headless screenshot.

Qt is imported only inside these functions, so the data commands run on machines (and in
the office server) without PySide6.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xjwc_desktop.cli.options import add_db_option, db_path
from xjwc_desktop.core.errors import InputError


def register(sub) -> None:
    shot = sub.add_parser("screenshot", help="无界面渲染主窗口（地图绘制完成后）并保存为 PNG")
    add_db_option(shot)
    shot.add_argument("--out", required=True, help="输出 PNG 文件")
    shot.add_argument("--size", default="1400x900", type=_size, help="窗口大小，如 1400x900")
    shot.add_argument("--timeout", type=float, default=60.0, help="等待地图绘制的秒数")
    shot.set_defaults(func=run_screenshot)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"窗口大小“{text}”应写成 宽x高，例如 1400x900") from exc
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"窗口大小“{text}”超出范围（320x240 至 8000x8000）")
    return w, h


def run_app(args) -> int:
    from xjwc_desktop.gui.shell.qt_app import run_application

    return run_application(db_path(args, required=False))


def run_screenshot(args) -> int:
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".png":
        raise InputError(f"截图文件“{out}”应以 .png 结尾。")
    if not out.parent.is_dir():
        raise InputError(f"截图所在文件夹“{out.parent}”不存在。")
    from xjwc_desktop.gui.shell.qt_screenshot import take_screenshot

    seconds = take_screenshot(db_path(args), out, args.size, timeout=args.timeout)
    print(f"{out} ({seconds:.2f} s)", file=sys.stderr)
    return 0
