"""GUI fixtures: a main window on a private demo database, map loaded."""

from __future__ import annotations

import json

import pytest

from xjwc_desktop.gui.qt_env import prepare_qt_environment

# Before pytest-qt creates the QApplication: the xjwc:// scheme must be declared first.
prepare_qt_environment(headless=True)


@pytest.fixture
def settings_store(tmp_path):
    from PySide6.QtCore import QSettings

    from xjwc_desktop.gui.qt_settings import QtSettingsStore

    return QtSettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def make_window(qtbot, demo_db, settings_store):
    """Build main windows on the test's database; each one is disposed at teardown."""
    from xjwc_desktop.gui.qt_main_window import QtMainWindow

    windows = []

    def make(store=None):
        window = QtMainWindow(demo_db, store or settings_store)
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        qtbot.waitUntil(lambda: window.map.is_ready, timeout=60_000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def run_js(qtbot, window, function: str, *args):
    """Call ``window.xjwc.<function>`` in the page and return its (JSON-able) result."""
    box = {}
    window.map.call(function, *args, callback=lambda value: box.setdefault("v", value))
    qtbot.waitUntil(lambda: "v" in box, timeout=10_000)
    return box["v"]


def run_script(qtbot, window, script: str):
    """Evaluate a JavaScript expression in the page; its value comes back through JSON."""
    box = {}
    window.map.page().runJavaScript(f"JSON.stringify({script})", 0,
                                    lambda value: box.setdefault("v", value))
    qtbot.waitUntil(lambda: "v" in box, timeout=10_000)
    return json.loads(box["v"]) if box["v"] else None


def layer_labels(qtbot, window) -> list[str]:
    """The names in the map's layer control, as the user reads them."""
    return run_script(qtbot, window, "Array.from(document.querySelectorAll("
                      "'.leaflet-control-layers-overlays label')).map(l => l.textContent.trim())")


def wait_filtered(qtbot, window) -> None:
    """Until the map shows the filter the panel last produced (list is synchronous)."""
    qtbot.waitUntil(lambda: window.applied_mask_version == window.data.mask_version
                    and window.data.mask is not None and not window.data.busy(),
                    timeout=20_000)


def count(db, sql: str, *params) -> int:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql(sql, params).scalar_one()
