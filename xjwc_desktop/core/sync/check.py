"""The end-of-sync sanity check, and the repair of whatever it finds different.

After a sync that moved rows, the workstation hashes the rows it received and the server
hashes the same ids: rows that differ are fetched again. If nothing is waiting locally and
no one wrote on the server meanwhile, the row counts of every table must agree too; a
table that does not is compared in full (id and hash of every row) and repaired. A full
comparison of every table is also available on demand (``xjwc sync --verify``).
The cost follows the changes: a sync that moved nothing checks nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from sqlalchemy import Connection, Engine, text

from xjwc_desktop.core.sync.apply import applying, delete_rows
from xjwc_desktop.core.sync.codec import row_hash
from xjwc_desktop.core.sync.rows import chunks, hash_rows, iter_all_rows, read_rows
from xjwc_desktop.core.sync.schema import synced_table, synced_tables
from xjwc_desktop.core.sync.state import get_int

DIGEST_PAGE = 5000
FETCH = 2000
SAMPLE = 20_000  # rows hashed on both sides after a sync


def _sample(pulled: dict[str, set[str]], size: int) -> dict[str, set[str]]:
    total = sum(len(ids) for ids in pulled.values())
    if total <= size:
        return pulled
    rng = random.Random(total)
    return {name: set(rng.sample(sorted(ids), max(1, len(ids) * size // total)))
            for name, ids in pulled.items()}


def local_counts(conn: Connection, names=None) -> dict[str, list[int]]:
    return {t.name: list(conn.execute(text(
        f'SELECT count(*), count(deleted_at) FROM "{t.name}"')).one())
        for t in synced_tables() if names is None or t.name in names}


class Checker:
    def __init__(self, engine: Engine, transport,
                 apply_rows: Callable[[dict], list[str]]) -> None:
        self.engine = engine
        self.transport = transport
        self.apply_rows = apply_rows

    def check(self, pulled: dict[str, set[str]], touched: set[str]) -> int:
        """Check the rows just pulled, and the counts of the tables this sync ``touched``
        (pushed to or pulled into); returns how many rows were repaired.

        A big pull is checked on a random sample of :data:`SAMPLE` rows (hashing every row
        of a 100,000-row pull would cost more than pulling it); the counts still cover all.
        """
        claims = {}
        pulled = _sample(pulled, SAMPLE)
        with self.engine.connect() as conn:
            for name, ids in pulled.items():
                ids = sorted(ids)
                rows = read_rows(conn, synced_table(name), ids)
                claims[name] = {"ids": ids, "hash": hash_rows(rows.values())}
        answer = self.transport.check(claims)
        repaired = 0
        for name, verdict in answer["tables"].items():
            if not verdict["ok"]:
                repaired += self._repair_rows(name, verdict["rows"])
        with self.engine.connect() as conn:
            pending = conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar_one()
            settled = not pending and answer["seq"] == get_int(conn, "cursor")
            mine = local_counts(conn, touched) if settled else {}
        for name, theirs in answer["counts"].items():
            if settled and name in mine and mine[name] != theirs:
                repaired += self.resync_table(name)
        return repaired

    def _repair_rows(self, name: str, theirs: dict[str, int]) -> int:
        with self.engine.connect() as conn:
            mine = read_rows(conn, synced_table(name), list(theirs))
        differing = [rid for rid, h in theirs.items()
                     if rid not in mine or row_hash(mine[rid]) != h]
        return self._fetch(name, differing)

    def _fetch(self, name: str, ids: list[str]) -> int:
        done = 0
        for part in chunks(ids, FETCH):
            done += len(self.apply_rows(self.transport.rows(name, list(part))))
        return done

    def verify_all(self) -> int:
        return sum(self.resync_table(t.name) for t in synced_tables())

    def resync_table(self, name: str) -> int:
        """Compare every row of ``name`` with the server's and repair the differences."""
        table = synced_table(name)
        theirs = self._server_digest(name)
        missing_or_changed, extra = [], []
        with self.engine.connect() as conn:
            mine = _local_digest(conn, table)
            a, b = next(mine, None), next(theirs, None)
            while a is not None or b is not None:
                if b is None or (a is not None and a[0] < b[0]):
                    extra.append(a[0])
                    a = next(mine, None)
                elif a is None or b[0] < a[0]:
                    missing_or_changed.append(b[0])
                    b = next(theirs, None)
                else:
                    if a[1] != b[1]:
                        missing_or_changed.append(a[0])
                    a, b = next(mine, None), next(theirs, None)
            pending = {r for (r,) in conn.execute(text(
                "SELECT row_id FROM sync_outbox WHERE tbl = :t"), {"t": name})}
        extra = [r for r in extra if r not in pending]
        repaired = self._fetch(name, missing_or_changed)
        if extra:
            with applying(self.engine) as conn:
                delete_rows(conn, name, extra)
        return repaired + len(extra)

    def _server_digest(self, name: str) -> Iterator[tuple[str, int]]:
        after = ""
        while True:
            page = self.transport.digest(name, after, DIGEST_PAGE)
            yield from ((rid, h) for rid, h in page["rows"])
            if not page["more"] or not page["rows"]:
                return
            after = page["rows"][-1][0]


def _local_digest(conn: Connection, table) -> Iterator[tuple[str, int]]:
    id_pos = table.columns.index("id")
    for row in iter_all_rows(conn, table, limit=DIGEST_PAGE):
        yield row[id_pos], row_hash(row)
