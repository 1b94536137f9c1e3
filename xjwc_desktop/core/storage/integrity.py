"""Refusing a damaged workstation database before it is read, written or synced.

A file damaged midway (a disk fault, a copy cut short, a power cut on a drive that lies
about its writes) can still open: SQLite reads its header and first pages happily, and
figures, edits and syncs go on over pages that are garbage. ``PRAGMA quick_check`` reads
every page of every table and index and checks their structure (not the indexes against
their tables, which ``integrity_check`` does at four times the cost): 0.2 s for the 68 MB
demo database, 7 s for a 1 GB one of a million cases. A file found sound is not checked
again by the same process while its size and modification time (and its WAL's) stay the
same: an import checks once, not at its read and again at its write.

Nor is a file checked again when it is exactly as this program left it: closing a database
cleanly (its WAL checkpointed away) notes the file's identity in the cache folder, and an
open that finds the same inode, size and modification time trusts it. What the
check is for — a file damaged outside the program, a backup restored, a copy cut short —
changes that identity, so the next open checks every page; a million-case database then
starts in a second instead of after 7 s of reading.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from pathlib import Path

from xjwc_desktop.core.errors import DatabaseError
from xjwc_desktop.core.storage.locations import cache_dir


class CorruptDatabaseError(DatabaseError):
    """The database file is damaged; nothing was read from it or written to it."""


_found_sound: dict[Path, tuple] = {}


def _identity(path: Path) -> tuple:
    facts = []
    for part in (path, Path(f"{path}-wal")):
        try:
            st = part.stat()
        except FileNotFoundError:
            facts.append(None)
        else:
            facts.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(facts)


def _ledger(path: Path) -> Path:
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]
    return cache_dir() / "sound" / f"{name}.json"


def _left_as_we_left_it(path: Path, identity: tuple) -> bool:
    try:
        noted = json.loads(_ledger(path).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return False
    return identity[1] is None and noted == list(identity[0])


def remember_as_left(path: str | os.PathLike[str]) -> None:
    """Note that the file at ``path`` is as this program left it (after a clean close, its
    WAL gone): the next open trusts it without reading every page. Best effort."""
    path = Path(path)
    identity = _identity(path)
    if identity[0] is None or identity[1] is not None:
        return  # gone, or another connection still holds its WAL: check next time
    ledger = _ledger(path)
    with contextlib.suppress(OSError):  # no room, read-only: the next open checks
        ledger.parent.mkdir(parents=True, exist_ok=True)
        part = ledger.with_suffix(f".{os.getpid()}.part")
        part.write_text(json.dumps(list(identity[0])), encoding="ascii")
        os.replace(part, ledger)


def restore_advice(path: Path) -> str:
    return (f"数据库文件“{path}”已损坏，为免扩散未读取、未写入，也不会同步。恢复办法："
            "关闭本程序，用最近的备份替换该文件（备份中在它之后的修改需重新录入）；"
            "没有备份时，将该文件改名留存，在原位置新建数据库后用“xjwc sync”"
            "从街道办同步服务器重新下载全部数据（本机尚未上传的修改会丢失）。")


def check_connection(con: sqlite3.Connection, path: Path) -> None:
    """Raise :class:`CorruptDatabaseError` unless ``PRAGMA quick_check`` finds ``path``
    (open on the sqlite3 connection ``con``) sound."""
    key, identity = path.resolve(), _identity(path)
    if _found_sound.get(key) == identity or _left_as_we_left_it(path, identity):
        return
    try:
        problems = [row[0] for row in con.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed"
        raise CorruptDatabaseError(f"{restore_advice(path)}（{exc}）") from exc
    if problems != ["ok"]:
        raise CorruptDatabaseError(f"{restore_advice(path)}（{problems[0]}）")
    _found_sound[key] = identity


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite's error says the file is damaged (rather than not a database)."""
    return "malformed" in str(exc) or "corrupt" in str(exc)


def check_database_file(path: str | os.PathLike[str]) -> None:
    """Check the workstation database at ``path`` (e.g. before a sync): raises
    :class:`CorruptDatabaseError` with how to restore it. Reads only."""
    path = Path(path).expanduser()
    flags = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabaseError(f"{restore_advice(path)}（{exc}）") from exc
    try:
        check_connection(con, path)
    finally:
        con.close()
