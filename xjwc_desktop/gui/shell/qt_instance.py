"""One window per database: a second instance on the same file says so and does not open.

Two windows writing one database would each show the other's changes only after a
restart, and each would sync the same outbox. The lock is a file beside the database,
held while the window is open; Qt's ``QLockFile`` notices a lock left by a crashed
process (its process is gone) and takes it over.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile

from xjwc_desktop.core.i18n import tr


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".window-lock")


class DatabaseInUse(Exception):
    """Another window has this database open (the message says which process)."""


def lock_database(db_path: Path) -> QLockFile | None:
    """Hold the window lock of ``db_path``; raises :class:`DatabaseInUse` if another
    running window holds it. Keep the returned lock for as long as the window is open.
    None when the folder does not exist (then opening the database says what is wrong)."""
    if not db_path.parent.is_dir():
        return None
    lock = QLockFile(str(lock_path(db_path)))
    lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
    if lock.tryLock(0):
        return lock
    info = lock.getLockInfo()  # (pid, host, application), or empty if unreadable
    who = tr("进程 {pid}，计算机 {host}").format(pid=info[0], host=info[1]) \
        if isinstance(info, tuple) and len(info) >= 2 else tr("未知进程")
    raise DatabaseInUse(tr("数据库“{path}”已在另一个窗口中打开（{who}）。同一数据库同时只能在"
                           "一个窗口中办理，请切换到那个窗口；若它已关闭，请稍后再试。")
                        .format(path=db_path, who=who))
