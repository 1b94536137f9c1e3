"""Opening workstation databases: new files, refusals that change nothing, schema guards."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from xjwc_desktop.core.errors import (
    DatabaseError,
    DatabaseMissingError,
    DatabaseNotWritableError,
    ForeignDatabaseError,
    NewerSchemaError,
)
from xjwc_desktop.core.ids import is_uuid7
from xjwc_desktop.core.model import Base
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.storage.database import open_database

APPLICATION_ID = 0x584A5743  # "XJWC"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def assert_refused_unchanged(path: Path, error: type[DatabaseError]) -> None:
    """Opening ``path`` raises ``error`` naming it; file and folder are left as they were."""
    before, listing = sha256(path), folder_listing(path.parent)
    with pytest.raises(error, match=str(path.name)):
        open_database(path)
    assert sha256(path) == before
    assert folder_listing(path.parent) == listing  # no -wal/-shm/journal left behind


def test_create_makes_a_wal_database_of_ours_at_the_newest_schema(tmp_path) -> None:
    path = tmp_path / "new.sqlite"
    db = open_database(path, create=True)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert migrate.current_revision(conn) == migrate.head_revision()
        assert is_uuid7(db.workstation_id)
    finally:
        db.close()
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent
    finally:
        con.close()


def test_an_empty_file_is_created_only_when_asked(tmp_path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    with pytest.raises(DatabaseMissingError, match="空的"):
        open_database(path)
    assert path.stat().st_size == 0
    open_database(path, create=True).close()
    open_database(path).close()  # now a real database


def test_missing_file_is_refused_and_not_created(tmp_path) -> None:
    path = tmp_path / "absent.sqlite"
    with pytest.raises(DatabaseMissingError, match="absent.sqlite"):
        open_database(path)
    assert list(tmp_path.iterdir()) == []


def test_text_file_is_refused_and_left_alone(tmp_path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("案件台账\n这不是数据库\n" * 100, encoding="utf-8")
    assert_refused_unchanged(path, ForeignDatabaseError)
    with pytest.raises(ForeignDatabaseError, match="notes.sqlite"):
        open_database(path, create=True)
    assert path.read_text(encoding="utf-8").startswith("案件台账")


def test_a_folder_is_refused(tmp_path) -> None:
    folder = tmp_path / "folder.sqlite"
    folder.mkdir()
    with pytest.raises(ForeignDatabaseError, match="文件夹"):
        open_database(folder, create=True)


def test_another_programs_sqlite_database_is_refused_byte_for_byte(tmp_path) -> None:
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO customers (name) VALUES (?)", [("甲",), ("乙",)])
    con.commit()
    con.close()
    assert_refused_unchanged(path, ForeignDatabaseError)
    with pytest.raises(ForeignDatabaseError, match="其他程序"):
        open_database(path, create=True)
    assert not Path(f"{path}-wal").exists()


def test_a_database_claimed_by_another_program_but_still_without_tables_is_refused(
    tmp_path,
) -> None:
    """A file whose application_id names another program (here GeoPackage) is not ours."""
    path = tmp_path / "layers.gpkg"
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
    con.commit()
    con.close()
    assert path.stat().st_size > 0
    assert_refused_unchanged(path, ForeignDatabaseError)


def _future_database(path: Path) -> None:
    """A database written by a newer version of this program (a revision we don't know)."""
    open_database(path, create=True).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    con.commit()
    con.close()


def test_database_from_a_newer_program_is_refused_unchanged(tmp_path) -> None:
    path = tmp_path / "future.sqlite"
    _future_database(path)
    assert_refused_unchanged(path, NewerSchemaError)
    with pytest.raises(NewerSchemaError, match="ffff_future"):
        open_database(path)


def test_newer_database_copied_with_vacuum_into_is_refused_unchanged(tmp_path) -> None:
    """SQLite's online backup (VACUUM INTO) writes a rollback-journal file; still ours."""
    live = tmp_path / "live.sqlite"
    _future_database(live)
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    backup = backup_dir / "future.sqlite"
    con = sqlite3.connect(live)
    con.execute("VACUUM INTO ?", (str(backup),))
    con.close()
    assert_refused_unchanged(backup, NewerSchemaError)


def test_not_writable_database_is_refused(tmp_path) -> None:
    if os.geteuid() == 0:
        # root writes through any permission bits: use a folder that does not exist.
        path = tmp_path / "no-such-folder" / "x.sqlite"
        with pytest.raises(DatabaseNotWritableError, match="no-such-folder"):
            open_database(path, create=True)
        assert not path.parent.exists()
        return
    path = tmp_path / "ro" / "x.sqlite"
    path.parent.mkdir()
    open_database(path, create=True).close()
    before = sha256(path)
    path.parent.chmod(0o555)
    try:
        with pytest.raises(DatabaseNotWritableError, match="x.sqlite"):
            open_database(path)
    finally:
        path.parent.chmod(0o755)
    path.chmod(0o444)
    with pytest.raises(DatabaseNotWritableError, match="x.sqlite"):
        open_database(path)
    assert sha256(path) == before


def test_missing_parent_folder_is_not_writable(tmp_path) -> None:
    path = tmp_path / "gone" / "deeper" / "x.sqlite"
    with pytest.raises(DatabaseNotWritableError, match="不存在"):
        open_database(path, create=True)
    assert list(tmp_path.iterdir()) == []


def test_workstation_id_survives_reopening(tmp_path) -> None:
    path = tmp_path / "ws.sqlite"
    first = open_database(path, create=True)
    first.close()
    second = open_database(path)
    second.close()
    assert second.workstation_id == first.workstation_id
    other = open_database(tmp_path / "other.sqlite", create=True)
    other.close()
    assert other.workstation_id != first.workstation_id


def test_migrations_match_the_model(tmp_path) -> None:
    db = open_database(tmp_path / "schema.sqlite", create=True)
    try:
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True,
                # The R*Tree and its shadow tables live outside the ORM model by design.
                "include_name": lambda name, kind, _parent: not (
                    kind == "table" and name.startswith("case_rtree")),
            })
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        db.close()
    assert diff == []


def test_opening_a_current_database_changes_no_byte(demo_db_path):
    import hashlib

    from xjwc_desktop.core.storage.database import open_database

    open_database(demo_db_path).close()  # migrate the copy to this program's schema once
    before = hashlib.sha256(demo_db_path.read_bytes()).hexdigest()
    open_database(demo_db_path).close()
    assert hashlib.sha256(demo_db_path.read_bytes()).hexdigest() == before


def test_a_read_transaction_cannot_write_and_never_waits_for_a_writer(demo_db, demo_db_path):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    with demo_db.read() as s, pytest.raises(OperationalError, match="readonly"):
        s.connection().exec_driver_sql("UPDATE cases SET description = 'x' WHERE rowid = 1")
    # Another program holds the write lock: a read still answers at once (WAL).
    other = sqlite3.connect(demo_db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE cases SET description = 'y' WHERE rowid = 2")
        with demo_db.reading() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM cases").scalar() > 15_000
    finally:
        other.execute("ROLLBACK")
        other.close()
    with demo_db.write() as s:  # and writing works again, with query_only reset
        s.connection().exec_driver_sql("UPDATE cases SET description = 'z' WHERE rowid = 3")


def test_the_head_named_in_code_is_alembics_head() -> None:
    """Opening an up-to-date file trusts ``migrate.HEAD``; a new migration must move it."""
    assert migrate.script_directory().get_current_head() == migrate.HEAD


def test_a_file_left_as_we_left_it_is_trusted_and_any_other_is_checked(tmp_path) -> None:
    """A clean close notes the file; an open of the same file skips the page-by-page check,
    a file changed since (a backup copied over it, damage) is checked again."""
    from xjwc_desktop.core.storage import integrity

    path = tmp_path / "w.sqlite"
    open_database(path, create=True).close()
    assert not Path(f"{path}-wal").exists()
    assert integrity._left_as_we_left_it(path, integrity._identity(path))

    integrity._found_sound.clear()  # as a new process
    with open(path, "r+b") as fh:  # damage midway, as a disk or a cut copy would
        fh.seek(3 * 4096)
        fh.write(b"\xff" * 4096)
    assert not integrity._left_as_we_left_it(path, integrity._identity(path))
    with pytest.raises(integrity.CorruptDatabaseError):
        open_database(path)


def test_a_bulk_load_runs_without_a_journal_and_keeps_wal_once_set(tmp_path) -> None:
    """A file being built aside needs no journal; once its builder has put it in WAL mode
    (readers counting beside the writer), a connection opened later must keep WAL, or it
    would take the file out of WAL under the others' feet."""
    db = open_database(tmp_path / "built.sqlite", create=True, bulk_load=True)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "off"
        db.engine.dispose()
        with db.engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA journal_mode = WAL")
            with db.engine.connect() as other:  # a second connection, the first still open
                assert other.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                other.exec_driver_sql("SELECT count(*) FROM cases").scalar()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert (tmp_path / "built.sqlite").read_bytes()[18:20] == b"\x02\x02"
    finally:
        db.close()
