"""Writing output files all at once: a temporary file beside the target, renamed at the end.

A crash, a full disk or a cancelled export must never leave half a spreadsheet where the
user expects a whole one (nor destroy the previous version of it): the file appears
complete or not at all. ``os.replace`` is atomic on one file system, hence "beside".

A full disk (or a quota, or a file-size limit) becomes one :class:`DiskFullError` naming the
target, the temporary file already removed. Temporary names carry the writing process's
id (``.part-<pid>-…``, ``.export.<pid>.…``): the next export into the same folder sweeps
those a killed process left behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from glob import escape as glob_escape
from pathlib import Path

from xjwc_desktop.core.errors import InputError, XjwcError

DISK_FULL_ERRNOS = frozenset(
    code for code in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", None)) if code)
# What libraries that do their own I/O (GDAL) say instead of raising OSError.
_DISK_FULL_WORDS = ("No space left on device", "File too large", "Disk quota exceeded",
                    "database or disk is full")
_TEMPORARY = re.compile(r"^(?:\.part-|\.export\.)(\d+)[-.]")
_STARTED = time.time()


class DiskFullError(XjwcError):
    """The disk (or the user's quota) is full: nothing was written."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk is full."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
            return True
        if any(words in str(exc) for words in _DISK_FULL_WORDS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def out_of_space(written: list[Path]) -> bool:
    """Whether the folder of ``written`` (what a failed write had made) has no room left:
    for libraries whose errors do not say why a write failed (GDAL's "Cannot write
    feature", SQLite's "disk I/O error" on EFBIG). Less than 1 MB free, or a file at the
    process's file-size limit."""
    written = [p for p in written if p.exists()]
    if not written:
        return False
    try:
        if shutil.disk_usage(written[0].parent).free < 2**20:
            return True
        largest = max((p.stat().st_size for p in written if p.is_file()), default=0)
    except OSError:
        return False
    if sys.platform == "win32":
        return False
    import resource

    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return limit != resource.RLIM_INFINITY and largest >= limit - 2**16


def _written(tmp: Path) -> list[Path]:
    """A temporary file and what a library made beside it (SQLite's -journal, -wal)."""
    return [p for p in tmp.parent.glob(f"{glob_escape(tmp.name)}*")]


def disk_full_message(path: str | os.PathLike[str]) -> str:
    return (f"磁盘空间不足，无法写入“{path}”：未写入任何内容（未完成的临时文件已删除）。"
            "请清理磁盘或换一个位置后重试。")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # no safe probe without a library: assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and folders that exports killed midway left in
    ``folder``: their process is gone, or they are older than this process while carrying
    its id (a reused id). Returns what was removed."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if not match:
            continue
        pid = int(match.group(1))
        try:
            older = entry.lstat().st_mtime < _STARTED
        except OSError:
            continue
        if _alive(pid) and not (pid == os.getpid() and older):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def check_target(path: Path) -> None:
    """Refuse early, with a clear message, a target we could not write."""
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"导出文件夹“{folder}”不存在。")
    if path.is_dir():
        raise InputError(f"“{path}”是一个文件夹，请给出文件名。")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"没有写入“{path}”的权限。")
    sweep_stale(folder)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it goes."""
    target = Path(path)
    check_target(target)
    # Hidden, and ending in the target's own name: libraries that check the extension
    # (GDAL's GeoPackage driver) see the right one.
    fd, tmp_name = tempfile.mkstemp(prefix=f".part-{os.getpid()}-", suffix=f"-{target.name}",
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); an export is an ordinary user file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as exc:
        written = _written(tmp)
        full = isinstance(exc, Exception) and (is_disk_full(exc) or out_of_space(written))
        for part in written:
            part.unlink(missing_ok=True)
        if full:
            raise DiskFullError(disk_full_message(target)) from exc
        raise


@contextlib.contextmanager
def atomic_folder(target_dir: Path) -> Iterator[Path]:
    """Yield a temporary folder inside ``target_dir``; on success every file written in it
    is moved into ``target_dir`` (each rename atomic), on error the folder goes.

    For outputs made of several files that a library names itself (a shapefile's .shp,
    .shx, .dbf, .prj and .cpg): none of the old files is replaced unless all new ones exist.
    """
    check_target(target_dir / "x")
    tmp = Path(tempfile.mkdtemp(prefix=f".export.{os.getpid()}.", dir=target_dir))
    try:
        yield tmp
        for part in sorted(tmp.iterdir()):
            os.replace(part, target_dir / part.name)
    except Exception as exc:
        if is_disk_full(exc) or out_of_space(list(tmp.iterdir()) if tmp.is_dir() else []):
            raise DiskFullError(disk_full_message(target_dir)) from exc
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_bytes_atomically(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file beside it, synced
    to disk, then renamed). ``private`` keeps it readable by the user alone (0600), set
    before a byte is written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".incoming-{os.getpid()}-")
    try:
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, Exception) and is_disk_full(exc):
            raise DiskFullError(disk_full_message(path)) from exc
        raise
