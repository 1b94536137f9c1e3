"""Reading the case index's records with both cores: half in a helper process.

SQLite formats the records (see :mod:`case_index` and :mod:`case_text`); that work is
CPU-bound and, inside one process, serialised by SQLite's global memory mutex, so a second
*thread* makes it slower. A second *process* has its own: reading half of the rowid range
there halves the wait on a two-core machine (about 1.6 s → 0.9 s for a million cases). The
helper runs the very same query on a read-only connection, once per rowid range of its half,
and writes the values of each one-row result to its stdout. If it cannot be started (a
frozen build, a sandbox), its ranges are read here instead: same result, slower.

Every value read becomes a Python string, and turning one into bytes, numbers or UTF-16
holds the GIL for as long as that takes; the window needs the GIL for every paint. So the
callers keep each conversion small: the search texts are read 65,536 rowids per range
(encoding half a million cases' texts at once held the GIL for 100–300 ms), and the index's
hex, read half a million rowids per range, is converted a slice at a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from sqlalchemy import Connection

# Runs in a bare interpreter (-I -S): nothing to import but sqlite3, so it starts in ~20 ms.
# Each value of the row goes out as b"N" (NULL) or b"S" + its UTF-8 length (8 bytes, little
# endian) + the UTF-8 bytes: texts may hold NUL characters, so no separator would do.
_HELPER = """
import json, sqlite3, sys
job = json.loads(sys.stdin.read())
conn = sqlite3.connect(job["uri"], uri=True)
out = sys.stdout.buffer
try:
    for lo, hi in job["ranges"]:
        row = conn.execute(job["sql"], [*job["params"], lo, hi]).fetchone()
        for value in row:
            if value is None:
                out.write(b"N")
            else:
                data = str(value).encode("utf-8", "surrogatepass")
                out.write(b"S" + len(data).to_bytes(8, "little") + data)
finally:
    conn.close()
"""
MIN_ROWIDS_FOR_HELPER = 200_000  # below this, starting a process costs more than it saves

Row = tuple[str | None, ...]


class LoadStopped(Exception):
    """A read was told to stop (its window is closing); its helper is gone too."""


def readonly_uri(conn: Connection) -> str | None:
    """A read-only SQLite URI for the database behind ``conn`` (None: not a file)."""
    database = conn.engine.url.database
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return database  # already a URI (tests open templates with immutable=1)
    return f"file:{database}?mode=ro"


def fetch_ranges(conn: Connection, sql: str, params: list,
                 ranges: list[tuple[int, int]]) -> list[str]:
    """The one text value of ``sql`` (whose last two parameters are a rowid range) over each
    range, in order (``""`` for NULL)."""
    return [row[0] or "" for _range, row in fetch_range_rows(conn, sql, params, ranges)]


def fetch_range_rows(conn: Connection, sql: str, params: list,
                     ranges: list[tuple[int, int]], stop: Callable[[], bool] | None = None,
                     ) -> list[tuple[tuple[int, int], Row]]:
    """The one result row of ``sql`` over each rowid range, in order, with the range it
    covers (a range may be split in two).

    The ranges of the second half of a large read go to a helper process while this one
    reads the first half. ``stop()``, if given, is asked before each range: once it says so, the
    helper is ended and :class:`LoadStopped` raised, so no connection stays open on the
    file (a window closing while the search texts load leaves the database as it found it).
    """
    helper: subprocess.Popen | None = None

    def here(lo: int, hi: int) -> Row:
        if stop is not None and stop():
            if helper is not None:
                helper.kill()
                helper.communicate()
            raise LoadStopped
        return tuple(conn.exec_driver_sql(sql, (*params, lo, hi)).one())

    uri = readonly_uri(conn)
    span = ranges[-1][1] - ranges[0][0] if ranges else 0
    if uri and span >= MIN_ROWIDS_FOR_HELPER:
        split = (ranges[0][0] + ranges[-1][1]) // 2
        first = [(lo, min(hi, split)) for lo, hi in ranges if lo <= split]
        second = [(max(lo, split + 1), hi) for lo, hi in ranges if hi > split]
        helper = _start_helper(uri, sql, params, second)
        ranges = first if helper is not None else first + second
    rows = [((lo, hi), here(lo, hi)) for lo, hi in ranges]
    if helper is not None:
        rows.extend(zip(second, _finish_helper(
            helper, len(second), lambda: [here(lo, hi) for lo, hi in second]), strict=True))
    return rows


def _start_helper(uri: str, sql: str, params: list,
                  ranges: list[tuple[int, int]]) -> subprocess.Popen | None:
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _HELPER],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        proc.stdin.write(json.dumps({"uri": uri, "sql": sql, "params": params,
                                     "ranges": ranges}).encode())
        proc.stdin.close()
        return proc
    except OSError:
        return None


def _finish_helper(proc: subprocess.Popen, count: int,
                   fallback: Callable[[], list[Row]]) -> list[Row]:
    """The ``count`` rows the helper wrote (read here by ``fallback`` if it failed)."""
    out = memoryview(proc.stdout.read())
    proc.stdout.close()
    if proc.wait() != 0:
        return fallback()
    values: list[str | None] = []
    at = 0
    while at < len(out):
        if out[at] == ord("N"):
            values.append(None)
            at += 1
            continue
        size = int.from_bytes(out[at + 1:at + 9], "little")
        values.append(str(out[at + 9:at + 9 + size], "utf-8", "surrogatepass"))
        at += 9 + size
    if count == 0 or len(values) % count:
        return fallback()
    width = len(values) // count
    return [tuple(values[i:i + width]) for i in range(0, len(values), width)]
