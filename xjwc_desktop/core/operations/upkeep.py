"""What follows a committed write, out of the operator's way.

The dashboard's month caches are marked dirty by triggers as a write commits
(``core/reporting/month_cache.py``); whoever reads the dashboard next used to recount those
months first, so the first look at the dashboard after a step waited for it (about 0.1 s a
month at a million cases), and that read wrote. Recounting them on the writer, right after
the write has been announced, keeps every write on the one writer and leaves the dashboard
a plain read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xjwc_desktop.core.changes import Changes

if TYPE_CHECKING:
    from xjwc_desktop.core.storage.database import Database


def after_write(db: Database, changes: Changes) -> None:
    """Bring the caches up to date after a write that made ``changes`` (nothing to do if it
    touched no case). Another process holding the write lock is no error: the months stay
    marked and the next reader counts them."""
    if changes.touches_cases:
        # Imported with the first write, not at start-up (the window's task manager imports
        # this module): the cache's code brings the reporting aggregates and the map data.
        from xjwc_desktop.core.reporting import month_cache

        month_cache.prepare(db, parallel=False)  # one core: the window keeps the other
