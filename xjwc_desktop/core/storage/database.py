"""Opening a workstation database: checks first, then migrations, then sessions.

Every failure here is raised before anything is written, so a wrong path, another
program's file or a database from a newer version of this program is never touched.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from xjwc_desktop.core.errors import (
    DatabaseMissingError,
    DatabaseNotWritableError,
    ForeignDatabaseError,
    NewerSchemaError,
)
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.model import LocalMeta
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.storage.integrity import (
    CorruptDatabaseError,
    check_connection,
    is_damage,
    remember_as_left,
    restore_advice,
)
from xjwc_desktop.core.storage.sqlite_setup import APPLICATION_ID, configure_sqlite_engine

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class Database:
    """An open workstation database: its engine, sessions and identity."""

    path: Path
    engine: Engine
    workstation_id: str
    _sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on error.

        It takes SQLite's write lock when it starts (waiting, up to the busy timeout, for
        another writer such as another process's import), so a read-then-write inside it
        is atomic. In the window, only the task manager's writer thread opens these.
        """
        with self._sessions() as s, s.begin():
            s.connection(execution_options={"immediate": True})
            yield s

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session in one read transaction: a consistent snapshot that never waits for a
        writer (WAL) and cannot write (``PRAGMA query_only``)."""
        with self._sessions() as s, s.begin():
            s.connection(execution_options={"read_only": True})
            yield s

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Connection in one read transaction (as :meth:`read`, for Core queries)."""
        with self.engine.connect() as conn:
            conn.execution_options(read_only=True)
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()
        remember_as_left(self.path)


@dataclass(frozen=True)
class _FileFacts:
    empty: bool
    application_id: int = 0
    has_tables: bool = False
    revision: str | None = None


def _inspect_file(path: Path) -> _FileFacts:
    """What an existing file is, read through a read-only connection (nothing written)."""
    if path.is_dir():
        raise ForeignDatabaseError(f"“{path}”是一个文件夹，不是数据库文件。")
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_MAGIC))
    if not header:
        return _FileFacts(empty=True)
    if header != SQLITE_MAGIC:
        raise ForeignDatabaseError(
            f"“{path}”不是 SQLite 数据库文件（文件头不符），未做任何改动。"
        )
    try:
        # Without a -wal file everything is in the main file, and immutable=1 reads it without
        # creating -wal/-shm files (plain mode=ro would, for a WAL-mode database).
        has_wal = Path(f"{path}-wal").exists()
        flags = "mode=ro" if has_wal else "mode=ro&immutable=1"
        con = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
        try:
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            tables = {name for (name,) in
                      con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in tables:
                row = con.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            if app_id == APPLICATION_ID:  # ours: every page checked before any is used
                check_connection(con, path)
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise CorruptDatabaseError(f"{restore_advice(path)}（{exc}）") from exc
        raise ForeignDatabaseError(f"“{path}”无法作为 SQLite 数据库读取：{exc}。") from exc
    return _FileFacts(empty=False, application_id=app_id, has_tables=bool(tables),
                      revision=revision)


def _check_writable(path: Path) -> None:
    directory = path.parent
    if not directory.exists():
        raise DatabaseNotWritableError(f"数据库所在的文件夹“{directory}”不存在。")
    # WAL mode writes -wal and -shm files beside the database: the folder must be writable.
    if not os.access(directory, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise DatabaseNotWritableError(
            f"没有写入“{path}”的权限（数据库及其所在文件夹都必须可写）。"
        )


def _make_engine(path: Path, bulk_load: bool) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    configure_sqlite_engine(engine, bulk_load=bulk_load)
    return engine


def open_database(
    path: str | os.PathLike[str], *, create: bool = False, bulk_load: bool = False
) -> Database:
    """Open (and migrate to this program's schema) the workstation database at ``path``.

    With ``create=True`` a missing or empty file becomes a new, empty database. Raises a
    :class:`~xjwc_desktop.core.errors.DatabaseError` with a clear message, having changed
    nothing, when the file is missing, is not ours, is newer than this program or cannot be
    written. ``bulk_load`` turns journaling off: only for files built aside and renamed.
    """
    path = Path(path).expanduser()
    if path.exists():
        facts = _inspect_file(path)
        # Any application_id but 0 (unclaimed) and ours means another program's file, even
        # before it has tables (a GeoPackage being created, say).
        foreign_id = facts.application_id not in (0, APPLICATION_ID)
        if foreign_id or (facts.has_tables and facts.application_id != APPLICATION_ID):
            raise ForeignDatabaseError(
                f"“{path}”是其他程序的 SQLite 数据库，不是本系统的数据库，未做任何改动。"
            )
        if facts.empty and not create:
            raise DatabaseMissingError(f"数据库文件“{path}”是空的。可用 xjwc demo --db 创建。")
        # Checked before any connection of ours exists: even its pragmas would write.
        _check_revision(facts.revision, path)
    elif not create:
        raise DatabaseMissingError(
            f"数据库文件“{path}”不存在。可用 xjwc demo --db {path} 创建演示数据库。"
        )
    _check_writable(path)
    engine = _make_engine(path, bulk_load)
    try:
        with engine.begin() as conn:
            current = _recorded_revision(conn)
            if current != migrate.HEAD:
                _check_revision(current, path)  # a racing newer writer
                migrate.upgrade_to_head(conn)
            # Only when missing: writing it again would bump the file's change counter, and
            # opening a database must not change a byte of it.
            if conn.exec_driver_sql("PRAGMA application_id").scalar() != APPLICATION_ID:
                conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        workstation_id = _ensure_workstation_id(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(path=path, engine=engine, workstation_id=workstation_id)


def _recorded_revision(conn) -> str | None:
    """The schema revision the file records (plain SQL: no Alembic for an up-to-date file)."""
    if not conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first():
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _check_revision(current: str | None, path: Path) -> None:
    if current in (None, migrate.HEAD):
        return
    if current not in migrate.known_revisions():
        raise NewerSchemaError(
            f"数据库“{path}”的结构版本（{current}）比本程序新（本程序最高支持 "
            f"{migrate.head_revision()}）。请升级本程序后再打开，数据库未做任何改动。"
        )


def _ensure_workstation_id(engine: Engine) -> str:
    with Session(engine) as s, s.begin():
        row = s.scalar(select(LocalMeta).where(LocalMeta.key == "workstation_id"))
        if row is None:
            row = LocalMeta(key="workstation_id", value=uuid7())
            s.add(row)
        return row.value


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A connection in one write transaction (SQLite: BEGIN IMMEDIATE, see sqlite_setup)."""
    with engine.connect() as conn:
        conn.execution_options(immediate=True)
        with conn.begin():
            yield conn


@contextlib.contextmanager
def connection_of(target) -> Iterator[Connection]:
    """The Connection to read with: a Session's own (inside its transaction), one lent by an
    Engine or a :class:`Database` (anything with ``.engine``), or the Connection given."""
    if isinstance(target, Session):
        yield target.connection()
        return
    if isinstance(target, Connection):  # it has an .engine too: not a new connection
        yield target
        return
    engine = getattr(target, "engine", target)
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            yield conn
    else:
        yield target
