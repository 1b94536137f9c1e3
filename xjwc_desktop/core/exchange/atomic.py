"""Writing output files all at once: a temporary file beside the target, renamed at the end.

A crash, a full disk or a cancelled export must never leave half a spreadsheet where the
user expects a whole one (nor destroy the previous version of it): the file appears
complete or not at all. ``os.replace`` is atomic on one file system, hence "beside".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from xjwc_desktop.core.errors import InputError


def check_target(path: Path) -> None:
    """Refuse early, with a clear message, a target we could not write."""
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"导出文件夹“{folder}”不存在。")
    if path.is_dir():
        raise InputError(f"“{path}”是一个文件夹，请给出文件名。")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"没有写入“{path}”的权限。")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it goes."""
    target = Path(path)
    check_target(target)
    # Hidden, and ending in the target's own name: libraries that check the extension
    # (GDAL's GeoPackage driver) see the right one.
    fd, tmp_name = tempfile.mkstemp(prefix=".part-", suffix=f"-{target.name}",
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
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_folder(target_dir: Path) -> Iterator[Path]:
    """Yield a temporary folder inside ``target_dir``; on success every file written in it
    is moved into ``target_dir`` (each rename atomic), on error the folder goes.

    For outputs made of several files that a library names itself (a shapefile's .shp,
    .shx, .dbf, .prj and .cpg): none of the old files is replaced unless all new ones exist.
    """
    check_target(target_dir / "x")
    tmp = Path(tempfile.mkdtemp(prefix=".export.", dir=target_dir))
    try:
        yield tmp
        for part in sorted(tmp.iterdir()):
            os.replace(part, target_dir / part.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_bytes_atomically(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file beside it, synced
    to disk, then renamed). ``private`` keeps it readable by the user alone (0600), set
    before a byte is written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
