"""A new workstation's first sync: the whole database at once, then the usual pull.

A workstation with no database (or an empty file) downloads the office server's snapshot:
a finished SQLite database with every row, index and the spatial index in place. It is
written beside the target, checked (length and SHA-256 as the server announced them, that
it is ours, that its schema is this program's), given this workstation's own identity,
and only then renamed into place. An interrupted download leaves nothing where the
database belongs.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from xjwc_desktop import __version__
from xjwc_desktop.core.errors import DatabaseError
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.storage.sqlite_setup import APPLICATION_ID
from xjwc_desktop.core.sync.state import PREFIX
from xjwc_desktop.core.sync.transport import PROTOCOL, SchemaMismatch, SyncError


def needs_bootstrap(path: Path) -> bool:
    """No database yet: a missing or zero-byte file."""
    return not path.exists() or (path.is_file() and path.stat().st_size == 0)


def bootstrap(path: Path, transport, *, server_url: str) -> int:
    """Create the workstation database at ``path`` from the server's snapshot.

    Returns the feed cursor the snapshot covers. Raises :class:`SyncError` (nothing
    written at ``path``) if the download fails or the file is not what it should be.
    """
    path = Path(path)
    if not needs_bootstrap(path):
        raise DatabaseError(f"“{path}”已有数据，不能用服务器快照覆盖。")
    if not path.parent.is_dir():
        raise DatabaseError(f"数据库所在的文件夹“{path.parent}”不存在。")
    head = migrate.head_revision()
    workstation = _pending_identity(path)
    info = transport.hello({"protocol": PROTOCOL, "schema_revision": head,
                            "workstation_id": workstation, "app_version": __version__})
    part = path.with_name(f".{path.name}.download")
    try:
        cursor, schema = transport.snapshot(part)
        if schema and schema != head:
            raise SchemaMismatch(f"服务器快照的数据库结构为 {schema}，本程序为 {head}。")
        _adopt(part, workstation, cursor, info, server_url, head)
        os.replace(part, path)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        _identity_file(path).unlink(missing_ok=True)
    finally:
        part.unlink(missing_ok=True)
    return cursor


def _identity_file(path: Path) -> Path:
    return path.with_name(f".{path.name}.workstation")


def _pending_identity(path: Path) -> str:
    """This workstation's id, kept beside the target until the database exists: the server
    binds the device token to it at the first hello, so a retried download must reuse it."""
    keep = _identity_file(path)
    try:
        found = keep.read_text(encoding="ascii").strip()
        if found:
            return found
    except FileNotFoundError:
        pass
    new = uuid7()
    keep.write_text(new, encoding="ascii")
    return new


def _adopt(part: Path, workstation: str, cursor: int, info: dict, server_url: str,
           head: str) -> None:
    """Check the downloaded file and make it this workstation's database."""
    try:
        con = sqlite3.connect(part, isolation_level=None)
    except sqlite3.Error as exc:
        raise SyncError(f"下载的快照无法打开：{exc}") from exc
    try:
        if con.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise SyncError("下载的文件不是本系统的数据库。")
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        if revision != head:
            raise SchemaMismatch(f"服务器快照的数据库结构为 {revision}，本程序为 {head}。")
        device = info["device"]
        meta = {"workstation_id": workstation, f"{PREFIX}cursor": cursor,
                f"{PREFIX}server_id": info["server_id"], f"{PREFIX}server_url": server_url,
                f"{PREFIX}device_no": device["device_no"],
                f"{PREFIX}device_name": device["name"], f"{PREFIX}device_role": device["role"],
                f"{PREFIX}device_zone": device["zone"], f"{PREFIX}adopted": "1",
                f"{PREFIX}pushed_through": device["pushed_through"]}
        con.execute("BEGIN")
        con.execute(f"DELETE FROM local_meta WHERE key LIKE '{PREFIX}%'")
        con.execute("DELETE FROM sync_outbox")
        con.executemany("INSERT OR REPLACE INTO local_meta (key, value) VALUES (?, ?)",
                        [(k, str(v)) for k, v in meta.items() if v is not None])
        con.execute("COMMIT")
        con.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        raise SyncError(f"下载的快照无法使用：{exc}") from exc
    finally:
        con.close()
