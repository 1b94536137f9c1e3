"""Starting the application: Qt setup, opening (or first creating) the database."""

from __future__ import annotations

import sys
from pathlib import Path

from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.storage.locations import default_database_path
from xjwc_desktop.gui.shell.qt_env import prepare_qt_environment

CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei"]


def create_application(argv: list[str] | None = None, *, headless: bool = False):
    """The QApplication, configured once (fonts, names); reuses an existing one."""
    prepare_qt_environment(headless=headless)
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setOrganizationName("xjwc")
    app.setApplicationName("xjwc_desktop")
    families = set(QFontDatabase.families())
    chosen = next((f for f in CJK_FONTS if f in families), None)
    if chosen:
        app.setFont(QFont(chosen, 10))
    return app


def open_or_create_default(path: Path | None, progress=None):
    """Open ``path``; with no path, the default database (made from demo data on first use)."""
    from xjwc_desktop.core.demo.generate import create_demo
    from xjwc_desktop.core.storage.database import open_database

    if path is None:
        path = default_database_path()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            create_demo(path, progress=progress)
    return open_database(path)


def build_main_window(db, settings=None):
    """The main window with everything in it (see qt_workspace for what and qt_main_window
    for where)."""
    from xjwc_desktop.gui.shell.qt_main_window import QtMainWindow

    return QtMainWindow(db, settings)


def run_application(path: Path | None) -> int:
    """``xjwc`` / ``xjwc --db PATH``: show the main window until it is closed."""
    app = create_application()
    from PySide6.QtWidgets import QMessageBox, QProgressDialog

    dialog = QProgressDialog(tr("首次启动：正在创建演示数据库……"), None, 0, 0)
    dialog.setWindowTitle("xjwc")

    def progress(message: str) -> None:
        dialog.show()
        dialog.setLabelText(message)
        app.processEvents()

    try:
        db = open_or_create_default(path, progress)
    except XjwcError as exc:
        dialog.close()
        print(f"xjwc: {exc}", file=sys.stderr)
        QMessageBox.critical(None, tr("无法打开数据库"), str(exc))
        return exc.exit_code
    dialog.close()
    window = build_main_window(db)
    window.show()
    try:
        return app.exec()
    finally:
        db.close()
