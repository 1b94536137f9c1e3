"""Issue #14: a sync that fails changes no setting, and a token given for a server is
bound only once that server proved to be the one this database syncs with."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.sync import state
from xjwc_desktop.core.sync.session import sync_database
from xjwc_desktop.core.sync.transport import SyncError, SyncOffline


@pytest.fixture
def other_server(server_template, tmp_path, make_server):
    """A second office server (its own identity)."""
    path = tmp_path / "other-office.sqlite"
    shutil.copyfile(server_template, path)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE local_meta SET value = ? WHERE key = 'server_id'", (uuid7(),))
    return make_server(str(path))


def saved_url(ws) -> str | None:
    with ws.db.engine.connect() as conn:
        return state.get(conn, "server_url")


def test_a_failed_sync_keeps_the_saved_server_address(sqlite_server_url, make_server,
                                                      make_workstation, monkeypatch, tmp_path):
    monkeypatch.setenv("XJWC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XJWC_NO_KEYRING", "1")
    server = make_server(sqlite_server_url)
    ws = make_workstation(server, "值班台")
    ws.sync()
    assert saved_url(ws) == server.url
    with pytest.raises(SyncOffline):
        sync_database(ws.db, server_url="http://127.0.0.1:9", token="xjwc_whatever")
    assert saved_url(ws) == server.url


def test_a_fresh_token_for_another_server_is_not_bound_there(
        sqlite_server_url, make_server, make_workstation, other_server, monkeypatch,
        tmp_path):
    monkeypatch.setenv("XJWC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XJWC_NO_KEYRING", "1")
    server = make_server(sqlite_server_url)
    ws = make_workstation(server, "值班台")
    ws.sync()
    token = other_server.enroll("新平板")
    with pytest.raises(SyncError, match="另一台服务器"):
        sync_database(ws.db, server_url=other_server.url, token=token)
    with other_server.db.engine.connect() as conn:
        from sqlalchemy import text

        bound = conn.execute(text("SELECT workstation_id FROM sync_devices "
                                  "WHERE name = '新平板'")).scalar()
    assert bound is None  # the token is still good for the workstation it was meant for
    assert saved_url(ws) == server.url
