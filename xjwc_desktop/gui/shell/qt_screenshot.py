"""``xjwc screenshot``: the main window rendered offscreen once the map has drawn."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from xjwc_desktop.core.errors import XjwcError


def wait_until(app, predicate, timeout: float) -> bool:
    """Run the event loop until ``predicate()`` is true or ``timeout`` seconds pass."""
    from PySide6.QtCore import QEventLoop

    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)
    return True


def take_screenshot(db_path: Path, out: Path, size: tuple[int, int], *,
                    timeout: float = 60.0) -> float:
    """Save a PNG of the main window on ``db_path``; returns seconds from start to saved."""
    started = time.perf_counter()
    from xjwc_desktop.gui.shell.qt_app import build_main_window, create_application
    from xjwc_desktop.gui.shell.qt_env import prepare_qt_environment

    prepare_qt_environment(headless=True, screen=size)  # a screen of that size, then
    app = create_application(headless=True)
    from PySide6.QtCore import QSettings

    from xjwc_desktop.core.storage.database import open_database
    from xjwc_desktop.gui.shell.qt_settings import QtSettingsStore

    db = open_database(db_path)
    # A screenshot shows the defaults, not whatever this user last left on screen.
    with tempfile.TemporaryDirectory() as scratch:
        store = QtSettingsStore(QSettings(os.path.join(scratch, "s.ini"),
                                          QSettings.Format.IniFormat))
        window = build_main_window(db, store)  # what the user sees, docks included
        try:
            window.show()  # maximised on the (virtual) screen, as on a first start
            ws = window.workspace
            if not wait_until(app, lambda: ws.map.is_ready and ws.tasks.idle, timeout):
                raise XjwcError(f"地图在 {timeout:.0f} 秒内没有绘制完成，未保存截图。")
            wait_until(app, ws.places.settled, timeout)  # the hotspot layer, drawn beside
            if ws.case_list.model.rowCount():  # the newest case on show, as after a click
                ws.view.select([ws.case_list.model.rowid_at(0)])
                wait_until(app, lambda: ws.case_panel.snapshot is not None and ws.tasks.idle
                           and ws.case_list.model.row_values(0) is not None, timeout)
            wait_until(app, lambda: False, 0.3)  # let the compositor present the last frame
            image = window.grab()
            tmp = out.with_name(f".{out.name}.partial")
            if not image.save(str(tmp), "PNG"):
                raise XjwcError(f"无法写入截图“{out}”。")
            os.replace(tmp, out)
        finally:
            window.close()
            db.close()
    return time.perf_counter() - started
