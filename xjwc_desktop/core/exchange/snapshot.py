"""Reading a workstation database without writing a byte of it.

``open_database`` migrates and stamps the file (it rewrites the header's application id
on every open), which is right for a session that will write but wrong for an export, a
dry run or an import that is refused: those must leave the file exactly as it was, down
to its checksum. This opens the same file read-only, after the same identity checks.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.pool import NullPool

from xjwc_desktop.core.errors import DatabaseMissingError, ForeignDatabaseError
from xjwc_desktop.core.storage.integrity import check_database_file
from xjwc_desktop.core.storage.sqlite_setup import APPLICATION_ID

SQLITE_MAGIC = b"SQLite format 3\x00"


def _check(path: Path) -> None:
    if not path.exists():
        raise DatabaseMissingError(
            f"数据库文件“{path}”不存在。可用 xjwc demo --db {path} 创建演示数据库。")
    if path.is_dir():
        raise ForeignDatabaseError(f"“{path}”是一个文件夹，不是数据库文件。")
    with path.open("rb") as fh:
        header = fh.read(100)
    if not header:
        raise DatabaseMissingError(f"数据库文件“{path}”是空的。可用 xjwc demo --db 创建。")
    # The application id sits at offset 68 of the header (big-endian).
    if header[:16] != SQLITE_MAGIC or int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise ForeignDatabaseError(f"“{path}”不是本系统的数据库，未做任何改动。")
    check_database_file(path)


@contextlib.contextmanager
def read_only(path: str | os.PathLike[str]) -> Iterator[Connection]:
    """A connection in one read transaction (a consistent snapshot) on ``path``."""
    path = Path(path).expanduser()
    _check(path)
    # Without a -wal file everything is in the main file and immutable=1 reads it without
    # creating -wal/-shm files; with one, another program has the database open and
    # mode=ro reads through its WAL (the same rule as storage.database).
    flags = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
    uri = f"{path.resolve().as_uri()}?{flags}"

    def connect() -> sqlite3.Connection:
        con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        con.isolation_level = None
        return con

    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    try:
        with engine.connect() as conn:
            try:
                conn.exec_driver_sql("SELECT count(*) FROM categories").scalar_one()
            except Exception as exc:
                raise ForeignDatabaseError(
                    f"“{path}”无法作为本系统的数据库读取：{exc}。") from exc
            yield conn
            conn.rollback()
    finally:
        engine.dispose()
