"""Run the main window on a real screen (Xvfb + a window manager) and report its layout.

Used by test_layout.py in a subprocess: ``python -m tests.gui.layout_probe DB OUT.json
[SHOT.png]``. The window opens as a user's would on first start (maximised, default
docks); once the map has drawn and the list shows rows, it measures what the operator
sees: the window, the map, and any text that does not fit where it is shown.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time


def cut_texts(root) -> list[str]:
    """Visible labels, buttons and check boxes whose text is wider than they are."""
    from PySide6.QtWidgets import QAbstractButton, QCheckBox, QLabel

    out = []
    for widget in root.findChildren(QLabel) + root.findChildren(QAbstractButton):
        if not widget.isVisible() or widget.width() <= 0:
            continue
        text = widget.text().replace("&", "")
        if not text or (isinstance(widget, QLabel) and (widget.wordWrap() or "\n" in text)):
            continue
        needed = widget.fontMetrics().horizontalAdvance(text)
        if isinstance(widget, QAbstractButton):
            needed = widget.sizeHint().width() if not isinstance(widget, QCheckBox) else \
                needed + 20
            # A check box or button is cut when the space it got is less than it asks.
        else:
            margins = widget.contentsMargins()
            needed += margins.left() + margins.right()
        if needed > widget.width() + 1 and _visible_width(widget) < needed:
            out.append(f"{type(widget).__name__} “{text}” {widget.width()} < {needed}")
    return out


def _visible_width(widget) -> int:
    return widget.visibleRegion().boundingRect().width()


def first_column_cut(case_list) -> list[str]:
    view, model = case_list.view, case_list.model
    width = view.columnWidth(0)
    metrics = view.fontMetrics()
    out = []
    for row in range(min(model.rowCount(), 50)):
        values = model.row_values(row)
        if values and metrics.horizontalAdvance(values[0]) + 12 > width:
            needed = metrics.horizontalAdvance(values[0])
            out.append(f"案卷号 “{values[0]}” needs {needed} of {width}")
    return out


def main(db_path: str, out: str, shot: str | None = None) -> int:
    os.environ.setdefault("XJWC_LANG", "zh")
    from PySide6.QtCore import QSettings

    from xjwc_desktop.core.storage.database import open_database
    from xjwc_desktop.gui.shell.qt_app import build_main_window, create_application
    from xjwc_desktop.gui.shell.qt_screenshot import wait_until
    from xjwc_desktop.gui.shell.qt_settings import QtSettingsStore

    app = create_application()
    db = open_database(db_path)
    with tempfile.TemporaryDirectory() as scratch:
        store = QtSettingsStore(QSettings(os.path.join(scratch, "s.ini"),
                                          QSettings.Format.IniFormat))
        window = build_main_window(db, store)
        window.show()
        ws = window.workspace
        ok = wait_until(app, lambda: ws.map.is_ready and ws.tasks.idle, 90)
        # Show one case, as an operator would have after a click.
        rowid = int(ws.case_list.model.rowid_at(0))
        ws.view.select([rowid])
        ok &= wait_until(app, lambda: ws.case_panel.snapshot is not None and ws.tasks.idle, 30)
        ok &= wait_until(app, lambda: ws.case_list.model.row_values(0) is not None, 30)
        started = time.perf_counter()  # a few frames for the window manager's last resize
        wait_until(app, lambda: time.perf_counter() - started > 1.0, 2)
        screen = window.screen().availableGeometry()
        frame, inner, map_ = window.frameGeometry(), window.geometry(), ws.map.view
        report = {
            "ready": bool(ok),
            "screen": [screen.width(), screen.height()],
            "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
            "window": [inner.width(), inner.height()],
            "map": [map_.width(), map_.height()],
            "map_share": map_.width() * map_.height() / (inner.width() * inner.height()),
            "cut": {"filter dock": cut_texts(window.docks["panels"]),
                    "case panel": cut_texts(window.docks["case_panel"]),
                    "case list": first_column_cut(ws.case_list)},
        }
        if shot:
            window.grab().save(shot, "PNG")
        window.close()
    db.close()
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(report, fh, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
