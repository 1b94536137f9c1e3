"""GUI fixtures: a main window on a private demo database, map loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from pytestqt.qtbot import QtBot

from xjwc_desktop.gui.shell.qt_env import prepare_qt_environment

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

    from xjwc_desktop.gui.shell.qt_settings import QtSettingsStore

    return QtSettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def make_window(qtbot, demo_db, settings_store):
    """Build main windows on the test's database; each one is disposed at teardown."""
    from xjwc_desktop.gui.shell.qt_app import build_main_window

    windows = []

    def make(store=None, *, wait_for_map: bool = True):
        window = build_main_window(demo_db, store or settings_store)
        qtbot.addWidget(window)
        window.showNormal()
        window.resize(1400, 900)
        window.show()
        if wait_for_map:  # (a hidden map does not draw: not when another view is on show)
            qtbot.waitUntil(lambda: window.workspace.map.is_ready, timeout=60_000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def run_js(qtbot, window, function: str, *args):
    """Call ``window.xjwc.<function>`` in the page and return its (JSON-able) result."""
    box = {}
    window.workspace.map.call(function, *args,
                              callback=lambda value: box.setdefault("v", value))
    qtbot.waitUntil(lambda: "v" in box)
    return box["v"]


def probe(qtbot, window, function: str, *args):
    """Call ``window.xjwcProbe.<function>`` (what tests read of the page) and return it."""
    return run_script(qtbot, window, f"window.xjwcProbe.{function}("
                      + ", ".join(json.dumps(a) for a in args) + ")")


def run_script(qtbot, window, script: str):
    """Evaluate a JavaScript expression in the page; its value comes back through JSON."""
    box = {}
    window.workspace.map.view.page().runJavaScript(f"JSON.stringify({script})", 0,
                                                   lambda value: box.setdefault("v", value))
    qtbot.waitUntil(lambda: "v" in box)
    return json.loads(box["v"]) if box["v"] else None


def layer_labels(qtbot, window) -> list[str]:
    """The names in the map's layer control, as the user reads them."""
    return run_script(qtbot, window, "Array.from(document.querySelectorAll("
                      "'.leaflet-control-layers-overlays label')).map(l => l.textContent.trim())")


def wait_filtered(qtbot, window) -> None:
    """Until the map shows the filter the panel last produced, and the list its rows."""
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.view.mask is not None and ws.tasks.idle
                    and ws.map.applied_mask_version == ws.view.mask_version)


def settle(qtbot, window) -> None:
    """Until every read and write the window asked for has come back and the map is up."""
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.tasks.idle and ws.map.is_ready)


def count(db, sql: str, *params) -> int:
    with db.reading() as conn:
        return conn.exec_driver_sql(sql, params).scalar_one()


def count_row(db, sql: str, *params) -> tuple:
    """The one row ``sql`` selects (a test's oracle, read like any other read)."""
    with db.reading() as conn:
        return tuple(conn.exec_driver_sql(sql, params).one())


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
        return self.window.workspace.sync

    def case_id(self, case_no: str) -> str:
        return self.station.scalar("SELECT id FROM cases WHERE case_no = :n", n=case_no)

    def rowid(self, case_no: str) -> int:
        return self.station.scalar("SELECT rowid FROM cases WHERE case_no = :n", n=case_no)

    def on_server(self, sql: str, **params):
        from sqlalchemy import text

        with self.server.db.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def write(self, qtbot, work) -> None:
        """A local write through the window's writer, as every dialog and button does it;
        ``work()`` returns what it changed (a core operation's result)."""
        from xjwc_desktop.core.changes import Changes

        done = []
        # Announced as any write to cases is (the sync counts it, and sends it soon).
        self.window.workspace.tasks.write(lambda _db: (work(), Changes.of_tables("cases"))[1],
                                          on_done=done.append, on_error=done.append)
        qtbot.waitUntil(lambda: bool(done))
        assert not isinstance(done[0], BaseException), done[0]


@pytest.fixture
def make_desk(qtbot, sqlite_server_url, make_server, make_workstation, settings_store, tmp_path,
              monkeypatch):
    """Build a :class:`Desk`: the full main window (workflow, dashboard, sync) on a
    workstation created from the server's snapshot; timers off unless asked for."""
    from tests.server.sync_helpers import Workstation
    from xjwc_desktop.core.sync import credentials
    from xjwc_desktop.gui.shell.qt_app import build_main_window
    from xjwc_desktop.gui.shell.qt_settings import SYNC_AFTER_WRITE, SYNC_INTERVAL

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
        window.showNormal()
        window.resize(1400, 900)
        window.show()
        desk = Desk(server, other, station, token, case_nos, window)
        made.append(desk)
        ws = window.workspace
        qtbot.waitUntil(lambda: ws.map.is_ready, timeout=60_000)
        qtbot.waitUntil(lambda: ws.case_list.model.rowCount() == len(case_nos)
                        and ws.sync.controller.status_read)
        return desk

    yield make
    for desk in made:
        desk.window.close()  # waits for a sync still running
        desk.station.close()


POLL_S = 0.05


def wait_for_line(condition, timeout: float = 120.0) -> None:
    """Poll ``condition`` (a subprocess's state) until true; fails after ``timeout`` s."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for another process"
        time.sleep(POLL_S)  # a poll of the condition, not a wait for luck
