"""Pushes from different devices proceed concurrently; the change feed still never skips.

Why there is any ordering at all: a device pulls "everything after sequence number N". If
push A took seqs 10–19 and push B 20–29 and B committed first, a pull between the two
commits would answer "up to 29" and the device would never see 10–19. So seqs must become
visible in order.

The design (option *a* of issue #15, chosen over a watermark below the oldest in-flight
push, which needs a registry of in-flight pushes shared by every server process and
cleaned up after a crash):

* **PostgreSQL** — a push first locks what it touches, in one fixed order (so two pushes
  can never wait on each other in a cycle): its device (a device's pushes apply in its own
  order) and each unique value its inserts claim (so two devices taking in the same 12345
  order see each other's row and the later one becomes the same ``duplicate`` conflict
  record as before, instead of failing on the index) as transaction-scoped advisory locks
  in ascending order; then, table by table in name order and by id, the rows it changes
  and the case each child row belongs to (history, notes and photos are judged against
  their case) with ``SELECT … FOR NO KEY UPDATE``. Row locks live in the rows themselves:
  advisory locks share one small table (``max_locks_per_transaction`` × connections, 6,400
  by default), which 20 pushes of 200 rows each locked by key would exhaust. A push that
  would need more than ``ADVISORY_BUDGET`` advisory locks (the first push of a whole
  database, 1,000 inserts a request) runs alone, as every push used to: every push holds
  a shared lock on ``ALONE_KEY`` and such a push an exclusive one.
  Only then does the push read: under READ COMMITTED every statement sees what the
  previous holder of a lock committed. Parsing, preloading, merging, conflict detection
  and the row writes then run beside other devices' pushes. The push numbers the rows it
  moves to the head of the feed provisionally (from 1); at the end it takes the single
  *ordering* lock, reads the feed's head, shifts its numbers onto it, writes the feed
  rows, the applied change ids and the counts, and commits — that short section is all
  that is serialised. Locks are released after the commit is visible, so seqs become
  visible in order, exactly as under the old global lock.
* **SQLite** has one writer per file: a push's write transaction goes through the
  engine's write gate (``sqlite_setup``), which queues writers of this process in turn
  (and SQLite's busy timeout those of other processes) instead of failing; seqs are taken
  from the head at once, as before. The process-wide lock the server held around it is
  gone: it also serialised pushes to *different* databases (tests, several servers).

``_SERIAL_PUSHES`` brings back the old behaviour (one process lock and one advisory lock
around the whole push); only the benchmark sets it, to measure the baseline in the same
run.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, text

from xjwc_desktop.core.storage.database import writing
from xjwc_desktop.core.sync.codec import dumps, loads
from xjwc_desktop.core.sync.rows import statement
from xjwc_desktop.core.sync.schema import is_synced, synced_table
from xjwc_desktop.server.database import ORDER_KEY, next_seq, quiet
from xjwc_desktop.server.devices import Device
from xjwc_desktop.server.numbers import unique_keys

# ORDER_KEY (database.py): the feed's ordering lock (and the old global push lock)
ALONE_KEY = 0x584A5741  # "XJWA": shared by every push, exclusive for one that runs alone
KEY_CLASS = 0x584A5752  # "XJWR": first key of the two-key advisory locks on keys
ADVISORY_BUDGET = 64  # advisory locks a push may take before it runs alone instead

_SERIAL_PUSHES = False  # the benchmark's baseline: every push under one global lock
_SERIAL_LOCK = threading.Lock()

#: Called inside a concurrent push's transaction after its rows are written and before it
#: takes the ordering lock (tests use it to hold one push open while another commits).
before_ordering: Callable[[Device], None] | None = None


@dataclass
class FeedOrder:
    """Where a push's feed numbers start, and how they become final."""

    conn: Connection
    provisional: bool

    def first_seq(self) -> int:
        return 1 if self.provisional else next_seq(self.conn)

    def finalise(self, ctx: Any, results: list[dict]) -> None:
        """Serialised with every other push: give the push's feed rows their final
        numbers (the head of the feed, now that every earlier push has committed)."""
        if not self.provisional:
            return
        if before_ordering is not None:
            before_ordering(ctx.device)
        self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ORDER_KEY})
        shift = next_seq(self.conn) - 1
        if not shift:
            return
        ctx.seq += shift
        for entry in ctx.feed.values():
            entry["s"] += shift
        for books in ctx.new_books:  # the bulk path's stretches (new_rows.py)
            books.first += shift
        for result in results:
            if result.get("seq") is not None and not result.get("duplicate"):
                result["seq"] += shift
        for entry in ctx.applied:
            if entry["q"] is not None:
                entry["q"] += shift
                entry["r"] = dumps({**loads(entry["r"]), "seq": entry["q"]})


@contextlib.contextmanager
def push_transaction(engine: Engine, device: Device, changes: list[dict[str, Any]], *,
                     alone: bool = False) -> Iterator[FeedOrder]:
    """The write transaction of one push, with the locks its kind of database needs;
    ``alone``: the push runs alone on PostgreSQL (the bulk path's thousands of new rows,
    new_rows.py, which would need more advisory locks than the budget anyway)."""
    postgres = engine.dialect.name == "postgresql"
    if _SERIAL_PUSHES:
        with _SERIAL_LOCK, writing(engine) as conn, quiet(conn):
            if postgres:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ORDER_KEY})
            yield FeedOrder(conn, provisional=False)
        return
    with writing(engine) as conn, quiet(conn):
        if postgres:
            _lock(conn, device, changes, alone=alone)
        yield FeedOrder(conn, provisional=postgres)


def _lock(conn: Connection, device: Device, changes: list[dict[str, Any]], *,
          alone: bool = False) -> None:
    keys = [] if alone else lock_ids(device, changes)
    alone = alone or len(keys) > ADVISORY_BUDGET
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)" if alone else
                      "SELECT pg_advisory_xact_lock_shared(:k)"), {"k": ALONE_KEY})
    if alone:
        return
    conn.execute(text(
        "SELECT pg_advisory_xact_lock(:c, k) FROM unnest(CAST(:keys AS int4[])) k"),
        {"c": KEY_CLASS, "keys": keys})
    for name, ids in sorted(rows_to_lock(changes).items()):
        # The table's name is from the model, never from a request (rows_to_lock keeps
        # synced tables only); the ids go as one JSON text: an expanded IN list made
        # psycopg rewrite 200 placeholders with a regular expression on every push.
        query = statement(f'SELECT id FROM "{name}" WHERE id IN (SELECT '
                          "json_array_elements_text(CAST(:ids AS json))) ORDER BY id "
                          "FOR NO KEY UPDATE")
        conn.execute(query, {"ids": orjson.dumps(sorted(ids)).decode()}).fetchall()


def lock_ids(device: Device, changes: list[dict[str, Any]]) -> list[int]:
    """The advisory lock ids of the push, ascending: its device and the unique values
    its inserts claim."""
    keys = {("device", device.id)}
    for change in changes:
        tbl, row = change["tbl"], change.get("row")
        if change["op"] == "insert" and is_synced(tbl) and row:
            for key in unique_keys(synced_table(tbl)):
                values = [row.get(c) for c in key]
                if all(v is not None for v in values):
                    keys.add((f"{tbl}({','.join(key)})",
                              orjson.dumps(values, default=str).decode()))
    return sorted({_lock_id(k) for k in keys})


def rows_to_lock(changes: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Table name -> ids of the rows the push changes and of the cases of its child rows."""
    rows: dict[str, set[str]] = defaultdict(set)
    for change in changes:
        tbl = change["tbl"]
        if not is_synced(tbl):
            continue
        rows[synced_table(tbl).name].add(change["row_id"])
        row = change.get("row") or change.get("base") or {}
        if row.get("case_id"):
            rows["cases"].add(str(row["case_id"]))
    return rows


def _lock_id(key: tuple[str, str]) -> int:
    digest = hashlib.blake2b("\x00".join(key).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)
