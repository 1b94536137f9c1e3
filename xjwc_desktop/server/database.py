"""The office server's database: a SQLite file (the embedded default) or PostgreSQL.

Both carry the workstations' schema, migrated by the same Alembic revisions, plus the
server's own books (devices, the change feed, applied change ids, row counts). A database
made by ``xjwc demo`` can be served as it is: its rows enter the change feed on start.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from xjwc_desktop.core.errors import DatabaseError, NewerSchemaError
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.model.case_touches import WATCH_KEY
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.storage.database import open_database, writing
from xjwc_desktop.core.storage.locations import data_dir
from xjwc_desktop.core.storage.reference import install_reference_data
from xjwc_desktop.core.sync.schema import synced_tables
from xjwc_desktop.core.workflow.attachments import files_folder

#: PostgreSQL connections kept open (ten more may be opened at a peak): about the
#: number of workstations that sync at the same moment in a street office. Several
#: server processes share them out (run.py), so that they stay within PostgreSQL's
#: default of 100 connections.
PG_POOL = 20
PG_OVERFLOW = 10
#: PostgreSQL advisory locks of the server's own: the feed's ordering lock (every push
#: takes it to number its rows, see sequencer.py), and the one that lets a single process
#: at a time migrate and prepare the database (server workers and ``xjwc server …``
#: commands start while others serve).
ORDER_KEY = 0x584A5743  # "XJWC"
PREPARE_KEY = 0x584A5750  # "XJWP"


@dataclass
class ServerDatabase:
    engine: Engine
    url: str
    server_id: str
    snapshot_dir: Path
    files_dir: Path

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


def parse_url(url: str) -> str:
    """A plain path means a SQLite file (the embedded default)."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def open_server_database(url: str, *, snapshot_dir: Path | None = None,
                         files_dir: Path | None = None, prepare: bool = True,
                         pool_size: int = PG_POOL) -> ServerDatabase:
    """Open (creating and migrating if needed) the office server's database.

    Photos are kept beside a SQLite file (``<file>.files``, as on workstations) or, for
    PostgreSQL, in the user's data folder (``server-files/<database>``), unless
    ``files_dir`` says otherwise. ``prepare=False`` (a worker of ``xjwc serve --workers``,
    whose parent prepared the database) skips installing reference data and feeding
    unfed rows, which read every table; ``pool_size`` is its share of PostgreSQL
    connections.
    """
    url = parse_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database:
            raise DatabaseError("服务器数据库须是一个文件（sqlite:///路径），不能是内存数据库。")
        db = open_database(parsed.database, create=True)
        engine = db.engine
        default_dir = Path(f"{parsed.database}.snapshots")
        files_dir_default = files_folder(Path(parsed.database))
    elif parsed.get_backend_name() == "postgresql":
        # Pushes of different devices run side by side (sequencer.py): with SQLAlchemy's
        # default pool (5 + 10 overflow) the 16th waited for a connection and every
        # overflow connection was opened and closed again per request.
        engine = create_engine(parsed.set(drivername="postgresql+psycopg"),
                               pool_pre_ping=True, pool_size=pool_size,
                               max_overflow=PG_OVERFLOW)
        _migrate_postgresql(engine, url)
        name = parsed.database or "xjwc"
        default_dir = Path.home() / ".cache" / "xjwc_desktop" / "snapshots" / name
        files_dir_default = data_dir() / "server-files" / name
    else:
        raise DatabaseError(f"不支持的数据库：{parsed.get_backend_name()}"
                            "（可用 SQLite 文件或 PostgreSQL）。")
    try:
        # A write transaction from its start (SQLite: BEGIN IMMEDIATE), and one process at a
        # time on PostgreSQL: another server process may be serving, or starting too.
        with writing(engine) as conn, quiet(conn):
            _one_at_a_time(conn)
            server_id = _server_id(conn)
            if prepare:
                # A served workstation file may hold its old outbox: the server pushes
                # nowhere.
                conn.execute(text("DELETE FROM sync_outbox"))
                # Nor does it log the cases written for a window's index (it has no
                # window).
                conn.execute(text("DELETE FROM local_meta WHERE key = :key"),
                             {"key": WATCH_KEY})
                conn.execute(text("DELETE FROM case_touches"))
                if not conn.execute(text("SELECT 1 FROM departments LIMIT 1")).first():
                    with Session(bind=conn) as s:
                        install_reference_data(s, server_id)
                        s.flush()
                index_unfed_rows(conn)
    except BaseException:
        engine.dispose()
        raise
    return ServerDatabase(engine, url, server_id, snapshot_dir or default_dir,
                          files_dir or files_dir_default)


@contextlib.contextmanager
def quiet(conn: Connection) -> Iterator[Connection]:
    """The server's own writes inside this block do not fill an outbox (the triggers a
    SQLite server file carries are the workstations' machinery). PostgreSQL has no such
    triggers, and the flag's single row would make concurrent pushes wait on each other."""
    if conn.dialect.name != "sqlite":
        yield conn
        return
    conn.execute(text("INSERT INTO sync_applying (flag) VALUES (1)"))
    yield conn
    conn.execute(text("DELETE FROM sync_applying"))


def _one_at_a_time(conn: Connection) -> None:
    """PostgreSQL: wait for any other process migrating or preparing the database (its
    transaction's lock; SQLite's write lock does the same for a file)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PREPARE_KEY})


def _migrate_postgresql(engine: Engine, url: str) -> None:
    with engine.begin() as conn:
        _one_at_a_time(conn)
        current = migrate.current_revision(conn)
        if current is not None and current not in migrate.known_revisions():
            raise NewerSchemaError(
                f"服务器数据库（{make_url(url).render_as_string(hide_password=True)}）的结构版本"
                f"（{current}）比本程序新，请升级本程序。")
        migrate.upgrade_to_head(conn)


def _server_id(conn: Connection) -> str:
    found = conn.execute(text("SELECT value FROM local_meta WHERE key = 'server_id'")).scalar()
    if found:
        return found
    new = uuid7()
    conn.execute(text("INSERT INTO local_meta (key, value) VALUES ('server_id', :v)"), {"v": new})
    return new


def next_seq(conn: Connection) -> int:
    return (conn.execute(text("SELECT max(seq) FROM sync_rows")).scalar() or 0) + 1


def index_unfed_rows(conn: Connection) -> int:
    """Give every row not yet in the change feed a sequence number (rows written before the
    server first ran, or by ``xjwc demo``), and recount the tables. Holds the feed's
    ordering lock on PostgreSQL: a server may be serving pushes meanwhile."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ORDER_KEY})
    added = 0
    for table in synced_tables():
        start = next_seq(conn)
        # row_number() over the table's own order: parents' rows were indexed first.
        name = table.name  # from the model, never from a request: safe to inline
        added += conn.execute(text(
            "INSERT INTO sync_rows (tbl, row_id, seq, device_id, verbatim) "
            f"SELECT '{name}', t.id, :start - 1 + row_number() OVER (ORDER BY t.id), NULL, "
            f":f FROM \"{name}\" t WHERE NOT EXISTS (SELECT 1 FROM sync_rows r "
            f"WHERE r.tbl = '{name}' AND r.row_id = t.id)"),
            {"start": start, "f": False}).rowcount
    if added or not conn.execute(text("SELECT 1 FROM sync_table_counts LIMIT 1")).first():
        recount(conn)
    return added


def recount(conn: Connection) -> None:
    conn.execute(text("DELETE FROM sync_table_counts"))
    for table in synced_tables():
        conn.execute(text(
            "INSERT INTO sync_table_counts (tbl, total, deleted) "
            f"SELECT '{table.name}', count(*), count(deleted_at) FROM \"{table.name}\""))
