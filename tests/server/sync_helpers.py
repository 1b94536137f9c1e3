"""Real office servers (in a thread or a process) and workstations that sync with them."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select, text

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case
from xjwc_desktop.core.storage.database import Database, open_database
from xjwc_desktop.core.sync.bootstrap import bootstrap
from xjwc_desktop.core.sync.client import SyncClient
from xjwc_desktop.core.sync.rows import table_digests
from xjwc_desktop.core.sync.transport import HttpTransport
from xjwc_desktop.core.workflow.engine import Actor, act
from xjwc_desktop.core.workflow.intake import create_case
from xjwc_desktop.core.workflow.rules import Action, Role
from xjwc_desktop.server.database import ServerDatabase, open_server_database
from xjwc_desktop.server.devices import add_device
from xjwc_desktop.server.run import BackgroundServer

# The PostgreSQL the tests create their databases on (scripts/ensure_postgres.sh).
PG_ADMIN = os.environ.get("XJWC_TEST_PG", "host=127.0.0.1 user=postgres dbname=postgres")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on this machine's server, dropped afterwards."""
    import psycopg

    name = f"xjwc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        params = psycopg.conninfo.conninfo_to_dict(PG_ADMIN)
        yield (f"postgresql://{params.get('user', 'postgres')}@"
               f"{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{name}")
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ThreadServer(BackgroundServer):
    """The real server app under uvicorn on a real socket, in this process."""

    def __init__(self, server: ServerDatabase, *, ssl_cert: str | None = None,
                 ssl_key: str | None = None, **app_options) -> None:
        super().__init__(server, tls_cert=ssl_cert, tls_key=ssl_key, **app_options)

    def enroll(self, name: str, role: str = "operator", zone: str | None = None) -> str:
        return add_device(self.db.engine, name, role, zone)[1]


class Workstation:
    """A workstation database created from the server's snapshot, with sync at hand."""

    def __init__(self, path: Path, url: str, token: str, *, transport=None,
                 ca_cert: str | None = None, pull_batch: int = 5000,
                 push_batch: int = 1000) -> None:
        self.path = path
        self.url = url
        self.transport = transport or HttpTransport(url, token, ca_cert=ca_cert)
        if not path.exists():
            bootstrap(path, self.transport, server_url=url)
        self.db: Database = open_database(path)
        self.client = SyncClient(self.db, self.transport, server_url=url,
                                 pull_batch=pull_batch, push_batch=push_batch)

    def sync(self, **kw):
        return self.client.sync(**kw)

    def close(self) -> None:
        self.db.close()
        self.transport.close()

    # -- what operators do -----------------------------------------------------------
    def new_case(self, **kw) -> str:
        kw = {"source": "12345热线", "category": "暴露垃圾", "lon": 121.5046, "lat": 31.3268,
              "description": "公园门口垃圾", **kw}
        with self.db.write() as s:
            return create_case(s, workstation_id=self.db.workstation_id, **kw).case_no

    def edit(self, case_no: str, **fields) -> None:
        with self.db.write() as s:
            case = s.scalar(select(Case).where(Case.case_no == case_no))
            for k, v in fields.items():
                setattr(case, k, v)
            case.written_by = self.db.workstation_id

    def step(self, case_no: str, action: str, role: str, **kw) -> None:
        with self.db.write() as s:
            act(s, case_no, Action(action), Actor(Role(role)),
                workstation_id=self.db.workstation_id, **kw)

    def delete(self, case_no: str) -> None:
        self.edit(case_no, deleted_at=clock.now())

    def case(self, case_no: str) -> Case | None:
        with self.db.write() as s:
            return s.scalar(select(Case).where(Case.case_no == case_no))

    def scalar(self, sql: str, **params):
        with self.db.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def digests(self) -> dict:
        with self.db.engine.connect() as conn:
            return table_digests(conn)


def server_digests(server: ServerDatabase) -> dict:
    with server.engine.connect() as conn:
        return table_digests(conn)


def copy_server_template(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


def open_server(url: str) -> ServerDatabase:
    return open_server_database(url, snapshot_dir=None)


def bulk_cases(ws: Workstation, n: int, tag: str) -> list[str]:
    """``n`` new cases with their first history event, written by plain SQL in one
    transaction (as an import does): the triggers queue every row."""
    from xjwc_desktop.core.ids import uuid7

    stamp = clock.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    with ws.db.engine.begin() as conn:
        category = conn.execute(text("SELECT code FROM categories ORDER BY code")).scalar()
        cases, events = [], []
        for i in range(n):
            case_id = uuid7()
            cases.append({"id": case_id, "no": f"T{tag}{i:06d}", "cat": category,
                          "lon": 121.5 + i * 1e-6, "lat": 31.32, "d": f"{tag} 批量 {i}",
                          "t": stamp, "ws": ws.db.workstation_id})
            events.append({"id": uuid7(), "case": case_id, "t": stamp,
                           "ws": ws.db.workstation_id})
        conn.execute(text(
            "INSERT INTO cases (id, case_no, source, category_code, status, lon, lat, "
            "description, zone_code, reported_at, extension_hours, extension_requested_hours, "
            "paused_minutes, rework_count, escalated, created_at, updated_at, written_by) "
            "VALUES (:id, :no, 'patrol', :cat, 'reported', :lon, :lat, :d, 'south', :t, 0, 0, "
            "0, 0, 0, :t, :t, :ws)"), cases)
        conn.execute(text(
            "INSERT INTO case_events (id, case_id, seq, action, to_status, actor_role, at, "
            "created_at, updated_at, written_by) VALUES (:id, :case, 1, 'report', 'reported', "
            "'巡查员', :t, :t, :t, :ws)"), events)
    return [c["no"] for c in cases]


POLL_S = 0.02  # how often to look, not how long to wait


def wait_until(condition, *, timeout: float = 60, what: str = "the condition") -> None:
    """Until ``condition()`` holds (``qtbot.waitUntil`` for tests without Qt); fails after
    ``timeout`` seconds, which only a broken test ever reaches."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(POLL_S)
