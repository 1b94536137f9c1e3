"""Full disks and damaged files: one message and exit code 2, nothing half written, and
the temporary files of a killed export swept by the next one.

The full disk is the kernel's: a child process with a file-size limit (``RLIMIT_FSIZE``,
its signal ignored) gets ``EFBIG`` at the real write, which the program treats like
``ENOSPC``; a 1 MB tmpfs, mounted in a namespace of the test's own, gives the real
``ENOSPC`` too.
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


def test_a_demo_on_a_full_disk_gives_one_message_and_leaves_nothing(tmp_path):
    """The limit falls in the bulk insert of the scale cases (the file is ~40 MB)."""
    folder = tmp_path / "demo"
    folder.mkdir()
    done = xjwc_limited("demo", "--db", str(folder / "demo.sqlite"), "--cases", "30000",
                        file_size=20 << 20)
    assert done.returncode == 2, done.stderr
    assert FULL in done.stderr
    assert "Traceback" not in done.stderr
    assert list(folder.iterdir()) == []


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


def _mount_small_disk(point: Path, size: int) -> Path:
    point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                   check=True)
    return point


def _full_disk_scenario(demo_db: str, scratch: str) -> None:
    """Run in a mount namespace of its own (see the test): a 1 MB disk for an export, a
    disk just larger than the database for an import; both fill up for real (ENOSPC)."""
    demo_db_path, tmp_path = Path(demo_db), Path(scratch)
    out_dir = _mount_small_disk(tmp_path / "disk0", 1 << 20)
    done = xjwc_limited("export", "--db", str(demo_db_path), "--out", str(out_dir / "a.csv"))
    assert done.returncode == 2, done.stderr
    assert FULL in done.stderr
    assert "Traceback" not in done.stderr
    assert list(out_dir.iterdir()) == []
    db_dir = _mount_small_disk(tmp_path / "disk1", demo_db_path.stat().st_size + (256 << 10))
    db = db_dir / "xjwc.sqlite"
    db.write_bytes(demo_db_path.read_bytes())
    before = _stations_in(db)
    done = xjwc_limited("import", "bikes", str(_stations(tmp_path / "站点.csv", 5_000)),
                        "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert FULL in done.stderr
    assert "Traceback" not in done.stderr
    assert _stations_in(db) == before


def test_a_really_full_disk_during_export_and_import(demo_db_path, tmp_path):
    """A real file system of limited size (tmpfs), where ``ENOSPC`` is the kernel's own. The
    scenario runs under ``unshare``: a user and mount namespace of its own, where anyone may
    mount a tmpfs (root or not) and nothing stays mounted after it."""
    script = ("import sys; from tests.security.test_disks import _full_disk_scenario; "
              "_full_disk_scenario(sys.argv[1], sys.argv[2])")
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", sys.executable, "-c", script,
         str(demo_db_path), str(tmp_path)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
        text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    assert not any(tmp_path.glob("disk*/*"))  # the disks went with the namespace


def test_a_file_damaged_after_a_sound_check_is_checked_again(demo_db_path):
    """The same process skips the check of a file it found sound only while the file is
    unchanged: a change of its bytes (and so of its modification time) checks again."""
    from xjwc_desktop.core.storage.integrity import CorruptDatabaseError, check_database_file

    check_database_file(demo_db_path)
    check_database_file(demo_db_path)  # unchanged: found sound already
    _damage(demo_db_path)
    with pytest.raises(CorruptDatabaseError):
        check_database_file(demo_db_path)
