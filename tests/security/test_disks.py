"""Full disks and damaged files: one message and exit code 2, nothing half written, and
the temporary files of a killed export swept by the next one.

The full disk is the kernel's: a child process with a file-size limit (``RLIMIT_FSIZE``,
its signal ignored) gets ``EFBIG`` at the real write, which the program treats like
``ENOSPC``; where the tests run as root a 1 MB tmpfs gives the real ``ENOSPC`` too.
"""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import MODULE, REPO

FULL = "磁盘空间不足"


def xjwc_limited(*args: str, file_size: int | None = None) -> subprocess.CompletedProcess:
    """``xjwc *args`` in a child whose files cannot grow past ``file_size`` bytes."""
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    env = {**os.environ, "XJWC_LANG": "zh", "PYTHONIOENCODING": "utf-8",
           "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, *MODULE, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=600,
                          preexec_fn=limit if file_size is not None else None)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith((".part-", ".export.")))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg", "shp", "pdf", "html"])
def test_an_export_on_a_full_disk_gives_one_message_and_keeps_the_old_file(
        demo_db_path, tmp_path, fmt):
    out_dir = tmp_path / "导出"
    out_dir.mkdir()
    out = out_dir / f"案件.{fmt}"
    out.write_bytes(b"the previous export")
    narrow = ["--source", "12345热线"] if fmt == "pdf" else []  # a PDF list stops at 5,000
    done = xjwc_limited("export", "--db", str(demo_db_path), "--out", str(out), *narrow,
                        file_size=32 * 1024)
    assert done.returncode == 2, done.stderr
    assert FULL in done.stderr
    assert "Traceback" not in done.stderr
    assert out.read_bytes() == b"the previous export"  # the old version stands
    assert _leftovers(out_dir) == []
    assert sorted(p.name for p in out_dir.iterdir()) == [out.name]


def test_the_next_export_sweeps_what_a_killed_one_left(demo_db_path, tmp_path):
    gone = 2**22 + 12345  # above Linux's default pid_max: no such process
    assert gone > int(Path("/proc/sys/kernel/pid_max").read_text())
    stale_file = tmp_path / f".part-{gone}-abc-案件.csv"
    stale_file.write_bytes(b"half")
    stale_folder = tmp_path / f".export.{gone}.xyz"
    stale_folder.mkdir()
    (stale_folder / "案件.shp").write_bytes(b"half")
    # A live process's temporary file (this test's) is another export in progress.
    running = tmp_path / f".part-{os.getpid()}-def-其他.csv"
    running.write_bytes(b"in progress")
    done = xjwc_limited("export", "--db", str(demo_db_path), "--out", str(tmp_path / "a.csv"))
    assert done.returncode == 0, done.stderr
    assert _leftovers(tmp_path) == [running.name]


def _stations(path: Path, count: int) -> Path:
    rows = "".join(f"FULL{n},站点{n}{'长' * 40},国权北路{n}号,121.5046,31.3268,20,10\n"
                   for n in range(count))
    path.write_text("站点编号,站点名称,地址,经度,纬度,车桩数,自行车数\n" + rows, encoding="utf-8")
    return path


def _stations_in(db: Path) -> int:
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT count(*) FROM bike_stations").fetchone()[0]


def test_an_import_on_a_full_disk_gives_one_message_and_writes_nothing(demo_db_path, tmp_path):
    source = _stations(tmp_path / "站点.csv", 5_000)
    before = _stations_in(demo_db_path)
    done = xjwc_limited("import", "bikes", str(source), "--db", str(demo_db_path),
                        file_size=256 * 1024)
    assert done.returncode == 2, done.stderr
    assert FULL in done.stderr
    assert "Traceback" not in done.stderr
    assert _stations_in(demo_db_path) == before
    done = xjwc_limited("import", "bikes", str(source), "--db", str(demo_db_path))
    assert done.returncode == 0, done.stderr  # with room, the same file goes in whole
    assert _stations_in(demo_db_path) == before + 5_000


def _damage(db: Path) -> None:
    """Overwrite ten pages in the middle of the file with garbage (the header and the
    first pages, which SQLite reads on opening, stay sound)."""
    size = db.stat().st_size
    with db.open("r+b") as fh:
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(bytes(range(256)) * (10 * 4096 // 256))


def test_a_database_damaged_midway_is_refused_with_how_to_restore(demo_db_path, tmp_path):
    from xjwc_desktop.core.storage.database import open_database
    from xjwc_desktop.core.storage.integrity import CorruptDatabaseError, check_database_file

    check_database_file(demo_db_path)  # sound: no complaint
    _damage(demo_db_path)
    digest = sha256(demo_db_path)
    done = xjwc_limited("stats", "--db", str(demo_db_path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "已损坏" in done.stderr
    assert "备份" in done.stderr
    assert "xjwc sync" in done.stderr  # the other way back: download again
    assert "Traceback" not in done.stderr
    export = xjwc_limited("export", "--db", str(demo_db_path), "--out", str(tmp_path / "a.csv"))
    assert export.returncode == 2
    assert "已损坏" in export.stderr
    with pytest.raises(CorruptDatabaseError, match="已损坏"):
        check_database_file(demo_db_path)
    with pytest.raises(CorruptDatabaseError, match="已损坏"):
        open_database(demo_db_path)
    assert sha256(demo_db_path) == digest  # refusing wrote nothing
    assert not (tmp_path / "a.csv").exists()


@pytest.fixture
def small_disk(tmp_path):
    """A real file system of limited size (tmpfs), where ``ENOSPC`` is the kernel's own:
    only where the tests may mount (root); elsewhere the file-size limit tests stand."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = []

    def mount(size: int) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(point)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], check=True)


def test_a_really_full_disk_during_export_and_import(demo_db_path, tmp_path, small_disk):
    out_dir = small_disk(1 << 20)
    done = xjwc_limited("export", "--db", str(demo_db_path), "--out", str(out_dir / "a.csv"))
    assert done.returncode == 2, done.stderr
    assert FULL in done.stderr
    assert "Traceback" not in done.stderr
    assert list(out_dir.iterdir()) == []
    db_dir = small_disk(demo_db_path.stat().st_size + (256 << 10))
    db = db_dir / "xjwc.sqlite"
    db.write_bytes(demo_db_path.read_bytes())
    before = _stations_in(db)
    done = xjwc_limited("import", "bikes", str(_stations(tmp_path / "站点.csv", 5_000)),
                        "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert FULL in done.stderr
    assert "Traceback" not in done.stderr
    assert _stations_in(db) == before


def test_a_file_damaged_after_a_sound_check_is_checked_again(demo_db_path):
    """The same process skips the check of a file it found sound only while the file is
    unchanged: a change of its bytes (and so of its modification time) checks again."""
    from xjwc_desktop.core.storage.integrity import CorruptDatabaseError, check_database_file

    check_database_file(demo_db_path)
    check_database_file(demo_db_path)  # unchanged: found sound already
    _damage(demo_db_path)
    with pytest.raises(CorruptDatabaseError):
        check_database_file(demo_db_path)
