"""Connection-level SQLite settings: WAL, foreign keys, real transactions, one writer.

pysqlite's own transaction handling begins transactions lazily and only before DML, so a
read-then-write is not atomic; we switch it off and emit BEGIN ourselves (the recipe from
SQLAlchemy's SQLite dialect documentation).

Write transactions of one process pass through one gate, in turn: the window's writer
thread and its sync lane never interleave their writes or wait out SQLite's busy timeout
against each other (another *process*, an import from the CLI say, is still held off by
SQLite's own lock). Read transactions never touch the gate.
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

# "XJWC" as a big-endian int: marks the file as ours (PRAGMA application_id), so we can tell
# our databases from any other SQLite file a user might point us at.
APPLICATION_ID = 0x584A5743
GATE_TIMEOUT_S = 10  # as busy_timeout: a writer waits this long for another, then gives up


def configure_sqlite_engine(engine: Engine, *, bulk_load: bool = False) -> None:
    """Install the pragmas and transaction handling on every new connection of ``engine``.

    ``bulk_load`` is for a file that is being built aside and moved into place only when
    complete (the demo generator): a crash just discards it, so it needs no journal, nor
    writes that reach the disk before the end. Once its builder has put it in WAL mode
    (readers counting beside the writer), a new connection keeps WAL: setting OFF then
    would take the file out of WAL under the others' feet.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA busy_timeout = 10000")
        if bulk_load:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode = OFF")
            cur.execute("PRAGMA synchronous = OFF")
            cur.execute("PRAGMA cache_size = -262144")  # 256 MiB
            # Index builds sort: let SQLite sort in memory with a helper thread.
            cur.execute("PRAGMA temp_store = MEMORY")
            cur.execute("PRAGMA threads = 2")
            # Every index build and month count scans the whole table: read it mapped
            # rather than copied page by page (a fifth less CPU to make the indexes).
            cur.execute("PRAGMA mmap_size = 2147483648")
        else:
            cur.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable against application crashes in WAL mode; only an OS crash
            # or power loss can drop the last transactions, never corrupt the file.
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    gate = threading.RLock()
    engine.write_gate = gate  # for tests: held while any write transaction runs

    def _release(info: dict) -> None:
        held = info.pop("xjwc_gate", 0)
        for _ in range(held):
            gate.release()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write transaction takes the write lock at once: one that began by reading and
        # then meets another writer's commit would fail at once (SQLITE_BUSY_SNAPSHOT, which
        # busy_timeout does not cover). Reads stay deferred, so they never wait on a writer.
        options = conn.get_execution_options()
        if options.get("read_only"):
            # A read transaction cannot write, even by mistake: a "read" that wrote would
            # take the write lock and make the window wait on other writers again.
            conn.exec_driver_sql("PRAGMA query_only = 1")
        if options.get("immediate"):
            if not gate.acquire(timeout=GATE_TIMEOUT_S):
                # As SQLite says it when its own lock is held past the busy timeout.
                raise OperationalError("BEGIN IMMEDIATE", None,
                                       sqlite3.OperationalError("database is locked"))
            conn.info["xjwc_gate"] = conn.info.get("xjwc_gate", 0) + 1
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(conn.info)
                raise
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        if conn.get_execution_options().get("read_only"):
            conn.exec_driver_sql("PRAGMA query_only = 0")

    # After the COMMIT has run (the "commit" event comes before it): when the connection
    # goes back to the pool, which a Session and a ``with engine.connect()`` do at once.
    @event.listens_for(engine.pool, "checkin")
    def _after_end(_dbapi_conn, record):
        if record is not None:
            _release(record.info)
