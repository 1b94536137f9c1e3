"""Several server processes on one database (``xjwc serve --workers N``, or two servers
side by side): nothing a push relies on may live in one process alone.

The first test routes every request itself, in turn to one process and the other, and
sends every push twice (once to each), so what it checks does not depend on how the
kernel hands connections to a server's workers: each change applies exactly once, edits
of different fields of one case all land, edits of the same field leave exactly one
conflict record per losing value, and a device pulling all along, through both
processes, never skips a row.
"""

from __future__ import annotations

import fcntl
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import text

from tests.server.fault_proxy import FaultProxy
from tests.server.sync_helpers import Workstation, server_digests, wait_until
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.sync.rows import iter_all_rows
from xjwc_desktop.core.sync.schema import synced_tables
from xjwc_desktop.core.sync.transport import PROTOCOL, WORKSTATION_HEADER
from xjwc_desktop.server import snapshot
from xjwc_desktop.server.database import PREPARE_KEY, open_server_database
from xjwc_desktop.server.devices import add_device
from xjwc_desktop.server.process import ServeProcess

WAIT_S = 120  # generous: the machine is shared; nothing waits this long when all is well
FIELDS = ("description", "address", "reporter_name")


def _conflicts(db, case_id: str) -> list[tuple[str, dict]]:
    with db.engine.connect() as conn:
        return [(kind, json.loads(lost or "{}")) for kind, lost in conn.execute(text(
            "SELECT kind, lost FROM sync_conflicts WHERE row_id = :r"), {"r": case_id})]


def _sent_change_ids(proxy: FaultProxy) -> set[str]:
    ids = set()
    for request in proxy.pushes:
        body = json.loads(request.split(b"\r\n\r\n", 1)[1])
        ids.update(c["id"] for c in body["changes"])
    return ids


class Observer:
    """A read-only device that pulls the feed through both processes and keeps the rows
    it was sent: if a pull ever skipped a sequence number, its copy would keep an old
    version of some row."""

    def __init__(self, db, ports: list[int]) -> None:
        token = add_device(db.engine, "观察终端", "viewer")[1]
        workstation = uuid7()
        headers = {"Authorization": f"Bearer {token}", WORKSTATION_HEADER: workstation}
        self.clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=WAIT_S,
                                     headers=headers) for p in ports]
        hello = self.clients[0].post("/v1/hello", json={
            "protocol": PROTOCOL, "schema_revision": migrate.head_revision(),
            "workstation_id": workstation})
        assert hello.status_code == 200, hello.text
        self.rows: dict[tuple[str, str], list] = {}
        self.cursor = 0
        self.pulls = 0

    def pull(self) -> None:
        """To the feed's head, the next process asked each time."""
        while True:
            client = self.clients[self.pulls % len(self.clients)]
            self.pulls += 1
            answer = client.get("/v1/pull", params={"since": self.cursor}).json()
            for table in answer["tables"]:
                id_at = table["columns"].index("id")
                for row in table["rows"]:
                    self.rows[(table["name"], row[id_at])] = row
            self.cursor = answer["cursor"]
            if not answer["more"]:
                return

    def close(self) -> None:
        for client in self.clients:
            client.close()


def _server_rows(db) -> dict[tuple[str, str], list]:
    rows = {}
    with db.engine.connect() as conn:
        for table in synced_tables():
            id_at = table.columns.index("id")
            for row in iter_all_rows(conn, table):
                rows[(table.name, row[id_at])] = row
    return rows


def test_pushes_through_two_processes_apply_once_and_merge_per_field(server_url, tmp_path):
    db = open_server_database(server_url, snapshot_dir=tmp_path / "unused")
    servers = [ServeProcess(server_url), ServeProcess(server_url)]
    proxies, stations = [], []
    observer = None
    try:
        for server in servers:
            server.start()
        ports = [s.port for s in servers]
        for n in range(4):
            proxy = FaultProxy(ports)
            proxies.append(proxy)
            token = add_device(db.engine, f"工作站{n}", "operator")[1]
            stations.append(Workstation(tmp_path / f"ws{n}.sqlite", proxy.url, token))
        observer = Observer(db, ports)
        observer.pull()
        first = stations[0]
        fields_case = first.new_case(description="原描述", address="原地址", reporter_name="原")
        same_case = first.new_case(description="同一字段")
        for _ in range(2):
            for ws in stations:
                ws.sync()

        # Three stations edit three different fields of one case; all four edit the same
        # field of another, each to its own value.
        for n, field in enumerate(FIELDS):
            stations[n].edit(fields_case, **{field: f"工作站{n}改的{field}"})
        values = [f"工作站{n}的描述" for n in range(4)]
        for ws, value in zip(stations, values, strict=True):
            ws.edit(same_case, description=value)
        for proxy in proxies:  # every push reaches both processes, one after the other
            proxy.policy = lambda method, path: "duplicate" if path == "/v1/push" else "forward"

        done = threading.Event()

        def keep_pulling() -> None:
            while not done.is_set():
                observer.pull()

        with ThreadPoolExecutor(len(stations) + 1) as pool:
            puller = pool.submit(keep_pulling)
            try:
                for result in [pool.submit(ws.sync) for ws in stations]:
                    result.result(WAIT_S)
            finally:
                done.set()
            puller.result(WAIT_S)

        for proxy in proxies:
            proxy.policy = lambda method, path: "forward"
        for _ in range(2):
            for ws in stations:
                ws.sync()

        # Every request went through both processes.
        assert all(server.entries("push") for server in servers)
        # Each station's changes were recorded once each, whichever process got them first.
        with db.engine.connect() as conn:
            for n, proxy in enumerate(proxies):
                recorded = set(conn.execute(text(
                    "SELECT c.change_id FROM sync_changes c JOIN sync_devices d "
                    "ON d.id = c.device_id WHERE d.name = :n"), {"n": f"工作站{n}"}).scalars())
                assert recorded == _sent_change_ids(proxy), n
        # Different fields merged; no conflict on that case.
        merged = first.case(fields_case)
        assert [getattr(merged, f) for f in FIELDS] == [f"工作站{n}改的{f}"
                                                         for n, f in enumerate(FIELDS)]
        assert _conflicts(db, merged.id) == []
        # The same field: one value kept, each other value in exactly one conflict record.
        contested = first.case(same_case)
        assert contested.description in values
        lost = sorted(c[1]["description"] for c in _conflicts(db, contested.id))
        assert lost == sorted(v for v in values if v != contested.description)
        # Everyone holds the server's rows, and the observer's pulls skipped nothing.
        expected = server_digests(db)
        for ws in stations:
            assert ws.digests() == expected
        observer.pull()
        assert observer.pulls > len(servers)
        assert observer.rows == _server_rows(db)
    finally:
        if observer is not None:
            observer.close()
        for ws in stations:
            ws.close()
        for proxy in proxies:
            proxy.close()
        for server in servers:
            server.stop()
        db.close()


@pytest.mark.parametrize("server_url", ["postgresql"], indirect=True)
def test_serve_with_two_workers_serves_new_workstations_and_their_pushes(server_url,
                                                                         tmp_path):
    """``xjwc serve --workers 2``: two worker processes under one parent; workstations
    made from its snapshot at the same time, then syncing at the same time, converge."""
    db = open_server_database(server_url)
    stations = []
    try:
        with ServeProcess(server_url, workers=2) as server:
            assert len(server.worker_pids) == 2
            assert server.proc.pid not in server.worker_pids
            tokens = [add_device(db.engine, f"值班台{n}", "operator")[1] for n in range(4)]
            with ThreadPoolExecutor(4) as pool:
                stations = list(pool.map(
                    lambda n: Workstation(tmp_path / f"w{n}.sqlite", server.url, tokens[n]),
                    range(4)))
                for n, ws in enumerate(stations):
                    ws.new_case(description=f"值班台{n}的案件")
                for report in pool.map(lambda ws: ws.sync(), stations):
                    assert report.pushed >= 1
            for ws in stations:
                ws.sync()
            expected = server_digests(db)
            assert all(ws.digests() == expected for ws in stations)
            with db.engine.connect() as conn:
                assert conn.execute(text(
                    "SELECT count(*) FROM cases WHERE description LIKE '值班台%的案件'")
                ).scalar() == 4
    finally:
        for ws in stations:
            ws.close()
        db.close()


@pytest.mark.parametrize("server_url", ["postgresql"], indirect=True)
def test_a_server_starting_waits_for_another_preparing_the_database(server_url):
    """Workers and ``xjwc server …`` commands start while others serve: one at a time
    migrates and prepares the database."""
    open_server_database(server_url).close()
    holder = open_server_database(server_url)
    opened = []
    with holder.engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PREPARE_KEY})
        starting = threading.Thread(
            target=lambda: opened.append(open_server_database(server_url)))
        starting.start()
        wait_until(lambda: _waiting_for(holder, PREPARE_KEY), what="the starting server")
        assert opened == []
    starting.join(WAIT_S)
    assert len(opened) == 1
    opened[0].close()
    holder.close()


def _waiting_for(db, key: int) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND objid = :k"), {"k": key & 0xFFFFFFFF}).scalar())


def test_the_snapshot_cache_is_brought_up_to_date_under_a_lock_every_process_sees(
        sqlite_server_url, tmp_path, monkeypatch):
    """Two processes must never apply the feed into the shared cache at once: while one
    refreshes it, the lock file beside it is held (flock, as another process takes it)."""
    db = open_server_database(sqlite_server_url, snapshot_dir=tmp_path / "snapshots")
    cache = snapshot.SnapshotCache(db)
    held = []
    real_pull = snapshot.pull

    def pull_and_look(*args, **kw):
        with (cache.dir / "cache.lock").open("a+b") as other:
            try:
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                held.append(False)
                fcntl.flock(other.fileno(), fcntl.LOCK_UN)
            except BlockingIOError:
                held.append(True)
        return real_pull(*args, **kw)

    monkeypatch.setattr(snapshot, "pull", pull_and_look)
    cache.refresh()
    assert held
    assert all(held)
    db.close()


def _cache_with_a_copy(url: str, tmp_path):
    """The server's database, its snapshot cache, and a copy made (and closed)."""
    db = open_server_database(url, snapshot_dir=tmp_path / "snapshots")
    cache = snapshot.SnapshotCache(db)
    copy = cache.open_copy()
    copy.file.close()
    return db, cache, copy


def test_a_process_starting_does_not_break_another_processes_snapshot_copies(
        sqlite_server_url, tmp_path):
    """A worker (re)starting clears the copies left in the shared folder; the process
    whose copy that was makes a new one instead of failing."""
    db, first, copy = _cache_with_a_copy(sqlite_server_url, tmp_path)
    snapshot.SnapshotCache(db)  # another process starting on the same folder
    assert not copy.path.exists()
    again = first.open_copy()
    try:
        assert again.path.exists()
        assert (again.cursor, again.sha256) == (copy.cursor, copy.sha256)
    finally:
        again.file.close()
        db.close()


def test_a_process_starting_while_another_refreshes_the_cache_does_not_wait_for_it(
        sqlite_server_url, tmp_path):
    """A refresh takes tens of seconds on PostgreSQL: a worker starting meanwhile leaves
    the folder as it is instead of waiting to clear it."""
    db, first, copy = _cache_with_a_copy(sqlite_server_url, tmp_path)
    made = []
    with (first.dir / "cache.lock").open("a+b") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)  # another process refreshing
        starting = threading.Thread(target=lambda: made.append(snapshot.SnapshotCache(db)))
        starting.start()
        starting.join(WAIT_S)
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
    assert not starting.is_alive()
    assert len(made) == 1
    assert copy.path.exists()
    db.close()
