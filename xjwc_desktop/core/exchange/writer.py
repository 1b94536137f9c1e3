"""Writing in a second thread while SQLite renders the next rows in the first.

Both halves release the GIL (SQLite while it steps through rows, the file system and zlib
while they copy and compress), so on a two-core workstation a large export takes about
as long as the slower of the two instead of their sum.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator

_DONE = object()


@contextlib.contextmanager
def background_writer(write: Callable[[bytes], object], depth: int = 4) -> Iterator[
        Callable[[bytes], None]]:
    """Yield a ``put(data)`` that hands ``data`` to ``write`` in another thread.

    At most ``depth`` chunks wait, so memory stays bounded. An error in ``write`` (a full
    disk) is raised in the caller at its next ``put`` or on leaving the block.
    """
    pending: queue.Queue = queue.Queue(maxsize=depth)
    failure: list[BaseException] = []

    def drain() -> None:
        while (item := pending.get()) is not _DONE:
            if not failure:
                try:
                    write(item)
                except BaseException as exc:  # reported to the caller, never lost
                    failure.append(exc)

    worker = threading.Thread(target=drain, name="xjwc-export-writer", daemon=True)
    worker.start()

    def put(data: bytes) -> None:
        if failure:
            raise failure[0]
        pending.put(data)

    try:
        yield put
    finally:
        pending.put(_DONE)
        worker.join()
    if failure:
        raise failure[0]
