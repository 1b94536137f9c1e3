"""GUI fixtures: a main window on a private demo database, map loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from pytestqt.qtbot import QtBot

from xjwc_desktop.gui.qt_env import prepare_qt_environment

# Before pytest-qt creates the QApplication: the xjwc:// scheme must be declared first.
prepare_qt_environment(headless=True)

# pytest-qt gives a condition or a signal 5 s unless told otherwise: enough on an idle
# desktop, not for a page redraw or a background query on a busy 2-core CI machine, where
# it is slow, not wrong. A wait ends as soon as its condition holds, so a longer limit
# costs a passing test nothing; it only decides how long a broken one takes to say so.
PATIENCE_MS = 30_000
for _wait in (QtBot.waitUntil, QtBot.waitSignal, QtBot.waitSignals, QtBot.waitCallback):
    _wait.__kwdefaults__["timeout"] = PATIENCE_MS


@pytest.fixture(autouse=True)
def no_leaked_windows(qapp):
    """Every GUI test disposes of the windows it made (checked after its fixtures'
    teardown: autouse fixtures are set up first, so torn down last)."""
    from tests.gui.leaks import check_no_leaked_windows, top_level_windows

    before = top_level_windows()
    yield
    check_no_leaked_windows(before)


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
    qtbot.waitUntil(lambda: "v" in box)
    return box["v"]


def run_script(qtbot, window, script: str):
    """Evaluate a JavaScript expression in the page; its value comes back through JSON."""
    box = {}
    window.map.page().runJavaScript(f"JSON.stringify({script})", 0,
                                    lambda value: box.setdefault("v", value))
    qtbot.waitUntil(lambda: "v" in box)
    return json.loads(box["v"]) if box["v"] else None


def layer_labels(qtbot, window) -> list[str]:
    """The names in the map's layer control, as the user reads them."""
    return run_script(qtbot, window, "Array.from(document.querySelectorAll("
                      "'.leaflet-control-layers-overlays label')).map(l => l.textContent.trim())")


def wait_filtered(qtbot, window) -> None:
    """Until the map shows the filter the panel last produced (list is synchronous)."""
    qtbot.waitUntil(lambda: window.applied_mask_version == window.data.mask_version
                    and window.data.mask is not None and not window.data.busy())


def count(db, sql: str, *params) -> int:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql(sql, params).scalar_one()


@dataclass
class Desk:
    """A main window on a workstation of a real office server, and a second workstation."""

    server: object  # tests.server.sync_helpers.ThreadServer
    other: object  # Workstation 值班台B, the colleague at another desk
    station: object  # Workstation 值班台A, whose database the window shows
    token: str
    case_nos: list[str]  # cases 值班台B took in before this desk was set up
    window: object

    @property
    def hooks(self):
        return self.window.sync_hooks

    def case_id(self, case_no: str) -> str:
        return self.station.scalar("SELECT id FROM cases WHERE case_no = :n", n=case_no)

    def rowid(self, case_no: str) -> int:
        return self.station.scalar("SELECT rowid FROM cases WHERE case_no = :n", n=case_no)

    def on_server(self, sql: str, **params):
        from sqlalchemy import text

        with self.server.db.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def write(self, qtbot, work) -> None:
        """A local write through the window's writer, as every dialog and button does it."""
        done = []
        self.window.workflow.runner.run(work, done.append, lambda exc: done.append(exc))
        qtbot.waitUntil(lambda: bool(done))
        assert not isinstance(done[0], BaseException), done[0]


@pytest.fixture
def make_desk(qtbot, sqlite_server_url, make_server, make_workstation, settings_store, tmp_path,
              monkeypatch):
    """Build a :class:`Desk`: the full main window (workflow, dashboard, sync) on a
    workstation created from the server's snapshot; timers off unless asked for."""
    from tests.server.sync_helpers import Workstation
    from xjwc_desktop.core.sync import credentials
    from xjwc_desktop.gui.qt_app import build_main_window
    from xjwc_desktop.gui.qt_settings import SYNC_AFTER_WRITE, SYNC_INTERVAL

    monkeypatch.setenv("XJWC_NO_KEYRING", "1")  # never the keyring of whoever runs the tests
    made = []

    def make(*, interval: int = 0, after_write: int = 0, token_saved: bool = True) -> Desk:
        server = make_server(sqlite_server_url)
        other = make_workstation(server, "值班台B")
        case_nos = [other.new_case(description="国伟路洗车场噪声扰民"),
                    other.new_case(description="政立路人行道暴露垃圾", lon=121.5071)]
        other.sync()
        token = server.enroll("值班台A")
        station = Workstation(tmp_path / "desk.sqlite", server.url, token)
        if token_saved:
            credentials.save_token(server.url, station.db.workstation_id, token)
        settings_store.set(SYNC_INTERVAL, interval)
        settings_store.set(SYNC_AFTER_WRITE, after_write)
        window = build_main_window(station.db, settings_store)
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        desk = Desk(server, other, station, token, case_nos, window)
        made.append(desk)
        qtbot.waitUntil(lambda: window.map.is_ready, timeout=60_000)
        qtbot.waitUntil(lambda: window.table.model.rowCount() == len(case_nos))
        return desk

    yield make
    for desk in made:
        desk.window.close()  # waits for a sync still running
        desk.station.close()
