"""Whole-database snapshots for new workstations (Anki's full download, done incrementally).

The server keeps a workstation database of its own, fed from the change feed by the very
code a workstation pulls with, and hands a consistent copy of it (SQLite's backup API)
to a workstation that has no database yet. Copying a finished file costs a fraction of
inserting every row again, indexes and spatial index included. The copy carries the feed
position it covers; the workstation pulls what came after, as on any sync.

Every server process (``xjwc serve --workers N``) shares the one cached database: it is
brought up to date and copied under a lock on a file beside it, so two processes never
apply the feed into it at once (one could write a row's older version after the other
had moved the cursor past its newer one). Each process hands out copies of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.sync import state
from xjwc_desktop.core.sync.apply import apply_tables, applying
from xjwc_desktop.server.database import ServerDatabase
from xjwc_desktop.server.feed import pull

BATCH = 10_000
#: The server's books: never part of a workstation's database.
SERVER_ONLY = ("sync_devices", "sync_rows", "sync_changes", "sync_table_counts", "sync_outbox",
               "sync_applying")


class SnapshotCache:
    def __init__(self, server: ServerDatabase) -> None:
        self.server = server
        self.dir = server.snapshot_dir
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        with self._locked(wait=False) as alone:
            # Copies left by a killed server, or by another process of this one: a
            # download under way keeps its open copy, and the process that made it makes
            # a new one when asked again (open_copy). Not while another process refreshes
            # the cache (tens of seconds on PostgreSQL): this one would not start meanwhile.
            for stale in self.dir.glob("snapshot-*.sqlite") if alone else ():
                stale.unlink(missing_ok=True)

    @property
    def path(self) -> Path:
        return self.dir / "workstation.sqlite"

    def refresh(self) -> int:
        """Bring the cached database up to the feed's head; returns its cursor."""
        with self._locked():
            return self._refresh()

    @contextlib.contextmanager
    def _locked(self, wait: bool = True) -> Iterator[bool]:
        """This process's threads, then every process serving the same database; yields
        whether the lock is held (always, unless ``wait`` is False and another has it)."""
        with self._lock:
            self.dir.mkdir(parents=True, exist_ok=True)
            with (self.dir / "cache.lock").open("a+b") as fh:
                if not _lock_file(fh, wait):
                    yield False
                    return
                try:
                    yield True
                finally:
                    _unlock_file(fh)

    def _refresh(self) -> int:
        if not self.path.exists() and self.server.dialect == "sqlite":
            self._seed_from_server_file()
        db = open_database(self.path, create=True)
        try:
            with db.engine.connect() as conn:
                cursor = state.get_int(conn, "cursor")
            while True:
                batch = pull(self.server.engine, None, cursor, BATCH)
                with applying(db.engine) as conn:
                    apply_tables(conn, batch["tables"])
                    state.put(conn, "cursor", batch["cursor"])
                cursor = batch["cursor"]
                if not batch["more"]:
                    return cursor
        finally:
            db.close()

    def _seed_from_server_file(self) -> None:
        """A SQLite server's own file is already a workstation database: copy it (SQLite's
        backup API takes a consistent copy while the server runs), strip the server's books
        and keep the feed position the copy covers. Seconds instead of a minute."""
        part = self.dir / "seeding.sqlite"
        part.unlink(missing_ok=True)
        src = sqlite3.connect(self.server.engine.url.database)
        dst = sqlite3.connect(part, isolation_level=None)
        try:
            src.backup(dst)
            cursor = dst.execute("SELECT coalesce(max(seq), 0) FROM sync_rows").fetchone()[0]
            dst.execute("BEGIN")
            for table in SERVER_ONLY:
                dst.execute(f"DELETE FROM {table}")
            dst.execute("DELETE FROM local_meta WHERE key <> 'workstation_id'")
            dst.execute("INSERT INTO local_meta (key, value) VALUES ('sync.cursor', ?)",
                        (str(cursor),))
            dst.execute("COMMIT")
            dst.execute("VACUUM")
        finally:
            dst.close()
            src.close()
        os.replace(part, self.path)

    def open_copy(self) -> Snapshot:
        """An open, consistent copy of the cached database, with the cursor it covers and
        its SHA-256. Copies are reused until the feed moves on; a copy is opened before it
        can be replaced, so a download under way keeps reading it even once unlinked."""
        with self._locked():
            cursor = self._refresh()
            if (self._current is None or self._current.cursor != cursor
                    or not self._current.path.exists()):
                old, self._current = self._current, self._make_copy(cursor)
                if old is not None:
                    old.path.unlink(missing_ok=True)
            return Snapshot(self._current.path, cursor, self._current.sha256,
                            self._current.size, self._current.path.open("rb"))

    def _make_copy(self, cursor: int) -> Snapshot:
        fd, name = tempfile.mkstemp(prefix="snapshot-", suffix=".sqlite", dir=self.dir)
        os.close(fd)
        target = Path(name)
        src = sqlite3.connect(self.path)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            # A copy is a single file, not a WAL database that needs its -wal beside it.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
        digest = hashlib.sha256()
        with target.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return Snapshot(target, cursor, digest.hexdigest(), target.stat().st_size, None)


@dataclass
class Snapshot:
    path: Path
    cursor: int
    sha256: str
    size: int
    file: BinaryIO | None

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        try:
            yield from iter(lambda: self.file.read(size), b"")
        finally:
            self.file.close()


if os.name == "nt":  # pragma: no cover - the office server runs on Linux; kept working
    import msvcrt

    def _lock_file(fh, wait: bool) -> bool:
        fh.seek(0)
        while True:
            try:
                msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
                return True
            except OSError:  # LK_LOCK gives up after ten seconds: wait on
                if not wait:
                    return False

    def _unlock_file(fh) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock_file(fh, wait: bool) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock_file(fh) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
