"""A new workstation: the snapshot, an interrupted download, and the end-of-sync check."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.server.fault_proxy import FaultProxy
from tests.server.sync_helpers import Workstation, server_digests
from xjwc_desktop.core.sync.apply import applying
from xjwc_desktop.core.sync.transport import SyncError


def test_a_new_workstation_is_the_server_plus_its_own_identity(sqlite_server_url,
                                                                make_server, tmp_path):
    server = make_server(sqlite_server_url)
    a = Workstation(tmp_path / "a.sqlite", server.url, server.enroll("甲"))
    try:
        case_no = a.new_case(description="先有的案件")
        a.sync()
        b = Workstation(tmp_path / "b.sqlite", server.url, server.enroll("乙"))
        try:
            assert b.case(case_no).description == "先有的案件"
            assert b.db.workstation_id != a.db.workstation_id
            assert b.scalar("SELECT value FROM local_meta WHERE key = 'sync.device_no'") == "2"
            assert b.scalar("SELECT count(*) FROM case_rtree") == 1  # spatial index came too
            assert b.digests() == server_digests(server.db)
            b.new_case(description="乙受理")
            assert b.sync().pushed == 2
        finally:
            b.close()
    finally:
        a.close()


def test_an_interrupted_download_leaves_nothing_and_is_retried(sqlite_server_url,
                                                               make_server, tmp_path):
    server = make_server(sqlite_server_url)
    proxy = FaultProxy(server.port, lambda method, path: (
        "drop_after" if path == "/v1/snapshot" else "forward"))
    token = server.enroll("甲")
    target = tmp_path / "new.sqlite"
    try:
        with pytest.raises(SyncError):
            Workstation(target, proxy.url, token)
        assert not target.exists()
        assert not list(tmp_path.glob(".new.sqlite.download"))
        proxy.policy = lambda method, path: "forward"
        ws = Workstation(target, proxy.url, token)  # same identity: the token allows it
        ws.close()
    finally:
        proxy.close()


def test_the_check_repairs_a_row_changed_behind_the_outbox(sqlite_server_url, make_server,
                                                           make_workstation):
    server = make_server(sqlite_server_url)
    a, b = make_workstation(server, "甲"), make_workstation(server, "乙")
    case_no = a.new_case(description="原样")
    a.sync()
    b.sync()
    # Someone edits b's file without the triggers (as a broken tool would)...
    with applying(b.db.engine) as conn:
        conn.execute(text("UPDATE cases SET description = '被篡改' WHERE case_no = :n"),
                     {"n": case_no})
        conn.execute(text("DELETE FROM case_events WHERE seq = 1"))
    # ...the next sync that moves anything compares the counts, sees the missing
    # history row and restores it (a sync that moves nothing checks nothing);
    other = a.new_case(description="另一件")
    a.sync()
    assert b.sync().repaired == 1
    assert b.scalar("SELECT count(*) FROM case_events") == 2
    assert b.case(other) is not None
    # the changed text is found by the full check.
    report = b.sync(verify=True)
    assert report.repaired == 1
    assert b.case(case_no).description == "原样"
    assert b.digests() == server_digests(server.db)
