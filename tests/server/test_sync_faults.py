"""Faults on the way: a server killed mid-push and mid-pull, dropped connections,
duplicated and reordered deliveries, a workstation that dies between push and
acknowledgement. Every change reaches the server exactly once; everyone converges."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from tests.server.fault_proxy import FaultProxy
from tests.server.sync_helpers import (
    POLL_S,
    Workstation,
    bulk_cases,
    server_digests,
    wait_until,
)
from xjwc_desktop.core.sync.transport import HttpTransport, SyncError, SyncOffline
from xjwc_desktop.server.database import open_server_database
from xjwc_desktop.server.devices import add_device
from xjwc_desktop.server.process import ServeProcess

pytestmark = pytest.mark.slow


def server_count(url: str, sql: str) -> int:
    db = open_server_database(url)
    try:
        with db.engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        db.close()


def enroll(url: str, name: str) -> str:
    db = open_server_database(url)
    try:
        return add_device(db.engine, name, "operator")[1]
    finally:
        db.close()


def workstation(tmp_path, name: str, url: str, token: str, **kw) -> Workstation:
    return Workstation(tmp_path / f"{name}.sqlite", url, token, **kw)


def reconnect(ws: Workstation, url: str, token: str) -> None:
    """The same workstation, talking to a (restarted) server at ``url``."""
    ws.transport.close()
    ws.transport = HttpTransport(url, token)
    ws.client.transport = ws.transport


def run_in_thread(fn):
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, box


class PushHold:
    """Keeps the office's database from taking a push in, from when the push passes the
    proxy until :meth:`release`: on PostgreSQL the push writes its rows, then waits for
    the table counts this holds (so it is stopped inside its transaction, nothing
    committed); on SQLite, one writer at a time, it waits for the write lock."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn = None

    def policy(self, method: str, path: str) -> str:
        if path == "/v1/push" and self.conn is None:
            self.take()
        return "forward"

    def take(self) -> None:
        if self.url.startswith("postgresql"):
            import psycopg

            self.conn = psycopg.connect(self.url)
            self.conn.execute("SELECT * FROM sync_table_counts FOR UPDATE")
        else:
            import sqlite3

            self.conn = sqlite3.connect(self.url, timeout=60, isolation_level=None,
                                        check_same_thread=False)
            self.conn.execute("BEGIN IMMEDIATE")

    def wait_stuck(self, proxy: FaultProxy) -> None:
        """Until the push is at the server and can go no further."""
        proxy.wait_delivered("/v1/push")
        if self.url.startswith("postgresql"):
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as watch:
                wait_until(lambda: watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE sync_table_counts%'"
                ).fetchone()[0] > 0, what="the push to wait for the table counts")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def test_server_killed_mid_push_applies_every_change_once(server_url, tmp_path):
    token = enroll(server_url, "值班台")
    server = ServeProcess(server_url).start()
    hold = PushHold(server_url)
    proxy = FaultProxy(server.port, hold.policy)
    ws = workstation(tmp_path, "值班台", server.url, token, push_batch=5000)
    try:
        bulk_cases(ws, 2500, "A")  # 5,000 changes in one push
        reconnect(ws, proxy.url, token)
        thread, box = run_in_thread(ws.sync)
        hold.wait_stuck(proxy)
        server.kill()
        hold.release()
        thread.join(60)
        assert isinstance(box.get("error"), SyncOffline), box
        # The server's transaction died with it: nothing of the push is there.
        assert server_count(server_url, "SELECT count(*) FROM cases") == 0
        assert ws.scalar("SELECT count(*) FROM sync_outbox") == 5000
        server = ServeProcess(server_url).start()
        reconnect(ws, server.url, token)
        ws.sync()
        assert server_count(server_url, "SELECT count(*) FROM cases") == 2500
        assert server_count(server_url, "SELECT count(*) FROM case_events") == 2500
        assert server_count(server_url, "SELECT count(*) FROM sync_changes") == 5000
        assert ws.scalar("SELECT count(*) FROM sync_outbox") == 0
    finally:
        proxy.close()
        server.stop()
        ws.close()


class StallPull:
    """A proxy policy: forwards the first ``n - 1`` pulls, holds the ``n``-th until
    :attr:`go` is set, then lets it go on (to wherever the server is by then)."""

    def __init__(self, n: int) -> None:
        self.n, self.pulls = n, 0
        self.stalled, self.go = threading.Event(), threading.Event()

    def __call__(self, method: str, path: str) -> str:
        if path == "/v1/pull":
            self.pulls += 1
            if self.pulls == self.n:
                self.stalled.set()
                self.go.wait(120)
        return "forward"


def waited_for_fifth_pull(stall: StallPull, thread: threading.Thread, box: dict) -> None:
    """Until the sync asks for its fifth batch; if the sync ends (or fails) first, say how
    (it failed once in about ten runs under load, only as "never came")."""
    deadline = time.monotonic() + 120
    while not stall.stalled.wait(POLL_S):
        assert thread.is_alive(), (f"the sync ended after {stall.pulls} pulls without asking "
                                   f"for the fifth: {box}")
        assert time.monotonic() < deadline, f"the fifth pull never came ({stall.pulls} pulls)"


def test_server_killed_mid_pull_resumes_at_the_last_batch(server_url, tmp_path):
    token_a, token_b = enroll(server_url, "甲"), enroll(server_url, "乙")
    server = ServeProcess(server_url).start()
    stall = StallPull(5)  # four batches of 200 rows in, the fifth asked for
    proxy = FaultProxy(server.port, stall)
    a = workstation(tmp_path, "甲", server.url, token_a)
    b = workstation(tmp_path, "乙", server.url, token_b, pull_batch=200)
    try:
        bulk_cases(a, 2000, "P")
        a.sync()
        reconnect(b, proxy.url, token_b)
        thread, box = run_in_thread(b.sync)
        waited_for_fifth_pull(stall, thread, box)
        server.kill()
        stall.go.set()
        thread.join(60)
        assert isinstance(box.get("error"), SyncOffline), box
        landed = b.scalar("SELECT count(*) FROM cases")
        assert 0 < landed < 2000
        cursor = int(b.scalar("SELECT value FROM local_meta WHERE key = 'sync.cursor'"))
        assert cursor > 0
        server = ServeProcess(server_url).start()
        reconnect(a, server.url, token_a)
        reconnect(b, server.url, token_b)
        report = b.sync()
        assert report.pulled < 4000  # resumed at the cursor, not from the beginning
        assert b.scalar("SELECT count(*) FROM cases") == 2000
        a.sync()
        expected = server_digests_of(server_url)
        assert a.digests() == expected
        assert b.digests() == expected
    finally:
        stall.go.set()
        proxy.close()
        server.stop()
        a.close()
        b.close()


def server_digests_of(url: str) -> dict:
    db = open_server_database(url)
    try:
        return server_digests(db)
    finally:
        db.close()


@pytest.fixture
def proxied(sqlite_server_url, make_server, tmp_path):
    server = make_server(sqlite_server_url)
    proxy = FaultProxy(server.port)
    yield server, proxy
    proxy.close()


def test_dropped_connections_lose_nothing_and_double_nothing(proxied, tmp_path):
    import random

    server, proxy = proxied
    token_a, token_b = server.enroll("甲"), server.enroll("乙")
    a = Workstation(tmp_path / "a.sqlite", server.url, token_a)
    b = Workstation(tmp_path / "b.sqlite", proxy.url, token_b, push_batch=50, pull_batch=50)
    rng = random.Random(7)
    proxy.policy = lambda method, path: rng.choice(
        ["forward", "forward", "drop_before", "drop_after"])
    try:
        bulk_cases(a, 150, "X")
        bulk_cases(b, 150, "Y")
        a.sync()
        failures = 0
        for _ in range(200):
            try:
                b.sync()
                break
            except SyncError:
                failures += 1
        else:
            pytest.fail("never got through")
        assert failures > 0
        assert {"drop_before", "drop_after"} <= {act for act, _ in proxy.actions}
        proxy.policy = lambda method, path: "forward"
        b.sync()
        a.sync()
        assert server.db.engine.connect().execute(
            text("SELECT count(*) FROM cases")).scalar_one() == 300
        assert a.digests() == b.digests() == server_digests(server.db)
    finally:
        a.close()
        b.close()


def test_duplicated_and_replayed_pushes_are_applied_once(proxied, tmp_path):
    server, proxy = proxied
    token = server.enroll("甲")
    ws = Workstation(tmp_path / "a.sqlite", proxy.url, token, push_batch=40)
    proxy.policy = lambda method, path: "duplicate" if path == "/v1/push" else "forward"
    try:
        bulk_cases(ws, 50, "D")
        ws.sync()
        case_no = ws.scalar("SELECT case_no FROM cases WHERE case_no LIKE 'TD%' LIMIT 1")
        ws.edit(case_no, description="第二次修改")
        ws.sync()
        before = server_digests(server.db)
        # The 100 new rows went as one push of runs (server/new_rows.py), the edit alone.
        assert len(proxy.pushes) >= 2
        assert any(b'"inserts":' in request for request in proxy.pushes)
        # Every push ever sent, delivered again, newest first.
        for request in reversed(proxy.pushes):
            response = proxy.deliver(request)
            assert response.split(b" ", 2)[1] in (b"200", b"409")
        assert server_digests(server.db) == before
        with server.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sync_conflicts")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM case_events")).scalar_one() == 50
        ws.sync()
        assert ws.digests() == before
    finally:
        ws.close()


CRASH_AFTER_PUSH = """
import os, sys
from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.sync.client import SyncClient
from xjwc_desktop.core.sync.transport import HttpTransport

def die(self, answer, report):
    os._exit(7)  # the server has applied the push; the workstation never records it

SyncClient._acknowledge = die
db = open_database(sys.argv[1])
SyncClient(db, HttpTransport(sys.argv[2], sys.argv[3])).sync()
"""


def test_a_workstation_dying_between_push_and_acknowledgement(sqlite_server_url,
                                                               make_server, tmp_path):
    server = make_server(sqlite_server_url)
    token = server.enroll("甲")
    ws = Workstation(tmp_path / "a.sqlite", server.url, token)
    try:
        bulk_cases(ws, 30, "C")
        ws.close()
        died = subprocess.run([sys.executable, "-c", CRASH_AFTER_PUSH, str(ws.path),
                               server.url, token])
        assert died.returncode == 7
        with server.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 30
        ws = Workstation(ws.path, server.url, token)
        assert ws.scalar("SELECT count(*) FROM sync_outbox") == 60  # still waiting here
        report = ws.sync()
        assert report.pushed == 0  # all 60 were known: acknowledged, not applied again
        assert ws.scalar("SELECT count(*) FROM sync_outbox") == 0
        with server.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 30
            assert conn.execute(text("SELECT count(*) FROM case_events")).scalar_one() == 30
        assert ws.digests() == server_digests(server.db)
    finally:
        ws.close()
