"""Starting the application: Qt setup, opening (or first creating) the database."""

from __future__ import annotations

import sys
from pathlib import Path

from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.i18n import language, tr
from xjwc_desktop.core.storage.locations import default_database_path
from xjwc_desktop.gui.shell.qt_env import prepare_qt_environment

CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei"]


GUI_SWITCH_INTERVAL = 0.0001  # seconds


def create_application(argv: list[str] | None = None, *, headless: bool = False):
    """The QApplication, configured once (fonts, names); reuses an existing one."""
    prepare_qt_environment(headless=headless)
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setOrganizationName("xjwc")
    app.setApplicationName("xjwc_desktop")
    # The GUI thread takes the GIL back from a busy worker (sync, export, index) after at
    # most 0.1 ms instead of Python's 5 ms. A repaint calls Python for every cell, header
    # and row count, each call taking the GIL again, so while a reader ran Python one
    # repaint waited hundreds of times (figures: docs/dev/benchmarks.md, fifth pass).
    # Workers lose nothing measurable: the GIL is handed over only when asked for.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL)
    install_qt_translations(app)
    families = set(QFontDatabase.families())
    chosen = next((f for f in CJK_FONTS if f in families), None)
    if chosen:
        app.setFont(QFont(chosen, 10))
    return app


def install_qt_translations(app) -> None:
    """Qt's own texts (OK/取消, file dialogs, context menus) in the interface language;
    English is Qt's own. Follows the language in use each time it is called."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    installed = getattr(app, "_xjwc_translators", [])
    if language() != "zh":
        for translator in installed:
            app.removeTranslator(translator)
        app._xjwc_translators = []
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return
    if installed:
        return
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translators = []
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            translators.append(translator)
    app._xjwc_translators = translators


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

    from xjwc_desktop.gui.shell.qt_instance import DatabaseInUse, lock_database

    target = (path or default_database_path()).expanduser().resolve()
    if path is None:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Before anything opens the file: a second window on it must not even migrate it.
        lock = lock_database(target)
    except DatabaseInUse as exc:
        print(f"xjwc: {exc}", file=sys.stderr)
        if app.platformName() != "offscreen":  # nobody to click OK without a screen
            QMessageBox.critical(None, tr("数据库已在使用"), str(exc))
        return 2
    try:
        db = open_or_create_default(path, progress)
    except XjwcError as exc:
        dialog.close()
        if lock is not None:
            lock.unlock()
        print(f"xjwc: {exc}", file=sys.stderr)
        if app.platformName() != "offscreen":
            QMessageBox.critical(None, tr("无法打开数据库"), str(exc))
        return exc.exit_code
    dialog.close()
    window = build_main_window(db)
    window.show()
    try:
        return app.exec()
    finally:
        db.close()
        if lock is not None:
            lock.unlock()
