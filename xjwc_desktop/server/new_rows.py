"""New rows in bulk: a push of rows the server does not have yet (a workstation's first push
of its whole data), applied set-wise with the same outcome as one change at a time.

The device sends such a push as *runs* (``Push.inserts``): per table, the change ids, the
device's sequence numbers and the rows, instead of one change object per row. Each row is
still a change of its own (its id makes a retried push harmless), and the server's answer
lists only the changes that did not simply go in (``inserted`` counts the others).

The server sorts the rows in two:

* **plain** rows, which the change-by-change path (push.py) would simply insert: well
  formed (validate.suspects, a column at a time), of a table the device's role may write,
  a case placed in the street and in the zone of its position (``MapData.zone_of`` for
  the whole run), an id the server does not hold and no other change of the push names,
  unique values no row holds and no other row of the push claims, a change id not seen
  before and not repeated, in the device's order;
* the **others** (and every row of an inspector's push, whose zone checks read the cases
  as the push goes): each goes through push.py's change-by-change code, in its place.

Walking the push in the device's order, each stretch of plain rows between two others is
queued at once: its feed numbers are the next ones in a row, as the one-by-one path would
have given them; its rows go to the database table by table in one statement
(``executemany`` on SQLite with the table's triggers set aside and done set-wise,
``COPY`` on PostgreSQL), its feed rows and applied
change ids likewise (PushContext.flush). What a change taken one by one leaves behind
for later ones (a case set aside whose notes follow it, a lost step whose history joins
it) is checked for each stretch when it is reached. A case number given out again by
:func:`~xjwc_desktop.server.numbers.renumber` that a later plain row also holds is caught
by the unique index: the whole push is then taken back and applied change by change
(push.py's careful attempt), so the outcome is the one-by-one outcome whatever happens.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, text

from xjwc_desktop.core import clock
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.sync.codec import dumps
from xjwc_desktop.core.sync.rows import json_texts
from xjwc_desktop.core.sync.schema import BLOB, SyncedTable, is_synced, synced_table
from xjwc_desktop.server import authz, validate
from xjwc_desktop.server.devices import Device
from xjwc_desktop.server.numbers import unique_keys

#: Types of the unique values looked up and compared set-wise (any other goes one by one;
#: bool is not among them, as in PushContext.preload_taken).
PLAIN = (str, int, float)
#: New rows of a push from which its runs go the bulk path (fewer go one by one: the
#: concurrent pushes' row locks need every change, and there is nothing to gain).
BULK_FROM = 100


@dataclass
class Run:
    """Consecutive new rows of one table, as the device sent them."""

    tbl: str
    ids: list[str]  # change ids
    seqs: list[int]  # the device's order
    rows: list[dict[str, Any]]  # whole rows in wire form; a row's id is the change's row id

    def change(self, n: int) -> dict[str, Any]:
        """Row ``n`` as the change object of the one-by-one path (what ``Change``
        gives after validation)."""
        row = self.rows[n]
        return {"id": self.ids[n], "seq": self.seqs[n], "tbl": self.tbl,
                "row_id": row["id"], "op": "insert", "row": row, "base": None, "new": None,
                "stamp": None, "row_hash": None}


def runs_of(inserts: list[dict[str, Any]] | None) -> list[Run]:
    return [Run(r["tbl"], r["ids"], r["seqs"], r["rows"]) for r in inserts or []]


def as_changes(runs: list[Run]) -> list[dict[str, Any]]:
    return [run.change(n) for run in runs for n in range(len(run.ids))]


def goes_in_bulk(device: Device, runs: list[Run]) -> bool:
    """Whether the runs take the bulk path (see :data:`BULK_FROM`; an inspector's zone
    checks read cases the push itself may be writing, so its pushes go one by one)."""
    return device.role != "inspector" and sum(len(r.ids) for r in runs) >= BULK_FROM


# -- before the write transaction: what the rows themselves say -----------------------
def screen(device: Device, runs: list[Run]) -> list[dict[int, str | None]]:
    """Per run, the rows that go one by one (position -> the schema's refusal or None),
    judged from the rows alone: not well formed, not the role's to write, a case
    misplaced. Read nothing from the database (made before the write transaction)."""
    out = []
    for run in runs:
        every = range(len(run.ids))
        if (not is_synced(run.tbl) or run.tbl == authz.CONFLICTS
                or run.tbl not in authz.WRITABLE.get(device.role, frozenset())):
            out.append({n: validate.problem(run.change(n)) for n in every})
            continue
        table = synced_table(run.tbl)
        aside = {n: validate.problem(run.change(n))
                 for n in sorted(validate.suspects(table, run.rows))}
        if run.tbl == "cases":
            aside.update(dict.fromkeys(_misplaced(run.rows, aside)))
        out.append(aside)
    return out


def _misplaced(rows: list[dict], aside: dict[int, Any]) -> list[int]:
    """Cases (well formed) whose position is missing, outside the street, or in another
    zone than the one they name: authz refuses them, with the reason, one by one."""
    todo = [n for n in range(len(rows)) if n not in aside]
    placed = [n for n in todo if rows[n]["lon"] is not None and rows[n]["lat"] is not None]
    zones = load_map_data().zone_of([rows[n]["lon"] for n in placed],
                                    [rows[n]["lat"] for n in placed]) if placed else []
    wrong = {n for n, zone in zip(placed, zones, strict=True)
             if not zone or rows[n]["zone_code"] != zone}
    return sorted(wrong | (set(todo) - set(placed)))


# -- in the write transaction: what the server holds ----------------------------------
def sort_out(conn: Connection, ctx, runs: list[Run], aside: list[dict[int, str | None]],
             known: dict[str, dict], through: int, prev: int) -> None:
    """Add to ``aside`` the rows that meet the server's rows or each other: ids it holds
    or the push names twice, unique values held or claimed twice, change ids seen before
    or repeated, and the first change out of the device's order (it is refused there)."""
    change_ids = Counter(itertools.chain.from_iterable(r.ids for r in runs))
    row_ids: dict[str, Counter] = defaultdict(Counter)
    for run in runs:
        row_ids[run.tbl].update(row.get("id") for row in run.rows)
    fresh = []  # (run, position) of each change not applied before, in the push's order
    for r, run in enumerate(runs):
        counted = row_ids[run.tbl]
        for n, (cid, row) in enumerate(zip(run.ids, run.rows, strict=True)):
            if cid in known:
                aside[r][n] = aside[r].get(n)
                continue
            fresh.append((r, n))
            if change_ids[cid] > 1 or counted[row.get("id")] > 1:
                aside[r].setdefault(n, None)
    _held_ids(conn, runs, aside)
    _claimed_twice(ctx, runs, aside, fresh)
    _out_of_order(runs, aside, fresh, through, prev)


def _held_ids(conn: Connection, runs: list[Run], aside: list[dict]) -> None:
    """Rows whose id the server holds (a reference row, data adopted twice): merged one by
    one. One statement per table."""
    by_table: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r, run in enumerate(runs):
        if is_synced(run.tbl):
            by_table[run.tbl].extend((r, n) for n in range(len(run.ids)) if n not in aside[r])
    for name, spots in by_table.items():
        ids = [runs[r].rows[n]["id"] for r, n in spots]
        held = set(conn.execute(text(f'SELECT id FROM "{name}" WHERE id IN '
                                     + json_texts(conn.dialect.name)),
                                {"ids": dumps(ids)}).scalars())
        for (r, n), row_id in zip(spots, ids, strict=True):
            if row_id in held:
                aside[r].setdefault(n, None)


def _claimed_twice(ctx, runs: list[Run], aside: list[dict], fresh: list[tuple[int, int]]) -> None:
    """Rows whose unique values another row holds or another row of the push claims (all
    of those rows go one by one, so each sees the others as before). The values held are
    looked up as the one-by-one path does (PushContext.preload_taken), at once."""
    by_table: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r, n in fresh:
        by_table[runs[r].tbl].append((r, n))
    for name, spots in by_table.items():
        if not is_synced(name):
            continue
        for key in dict.fromkeys(unique_keys(synced_table(name))):  # a key named twice
            values = [tuple(runs[r].rows[n].get(c) for c in key) for r, n in spots]
            plain = [all(x is None or (type(x) in PLAIN) for x in v) for v in values]
            wanted = {v for v, p in zip(values, plain, strict=True) if p and None not in v}
            if wanted:
                ctx.look_up_taken(name, key, wanted, chunk=5000)
            counted = Counter(v for v, p in zip(values, plain, strict=True) if p)
            holders = ctx.taken.get((name, key))
            for (r, n), value, p in zip(spots, values, plain, strict=True):
                if not p:  # not a value of its kind (refused) or not looked up: one by one
                    aside[r].setdefault(n, None)
                elif None in value:
                    continue  # NULLs never clash
                elif counted[value] > 1 or holders is None or value in holders:
                    aside[r].setdefault(n, None)


def _out_of_order(runs: list[Run], aside: list[dict], fresh: list[tuple[int, int]],
                  through: int, prev: int) -> None:
    """The first change the one-by-one path would refuse for its place in the device's
    order goes one by one: there it refuses the push, as it always did."""
    from xjwc_desktop.server.push import MAX_SEQ_GAP

    last = through
    for r, n in fresh:
        seq = runs[r].seqs[n]
        if prev > through or seq <= last or seq > last + MAX_SEQ_GAP:
            aside[r].setdefault(n, None)
            return
        last = seq


# -- walking the push ------------------------------------------------------------------
def walk(ctx, runs: list[Run], aside: list[dict[int, str | None]], order) -> tuple[list, int]:
    """Apply the runs in the device's order: plain stretches queued at once, the others
    through ``order.step(change, malformed)`` (push.py's change-by-change code, which
    keeps the device's last applied number in ``order.last``). Returns the results of the
    others, in order, and how many plain rows went in."""
    results: list[dict] = []
    plain = 0
    for run, others in zip(runs, aside, strict=True):
        start = 0
        for n in [*sorted(others), len(run.ids)]:
            plain += _stretch(ctx, run, start, n, results, order)
            if n < len(run.ids):
                results.append(order.step(run.change(n), others[n]))
            start = n + 1
    return results, plain


def _stretch(ctx, run: Run, start: int, stop: int, results: list, order) -> int:
    """Queue rows ``start:stop`` of ``run`` (plain when the push began); those whose case
    was set aside, or lost its step, earlier in this push go one by one (their place)."""
    if start >= stop:
        return 0
    follow = dict(ctx.set_aside)
    if run.tbl == "case_events":
        follow.update(ctx.lost_steps)
    table = synced_table(run.tbl)
    if follow and "case_id" in table.columns:
        late = [n for n in range(start, stop) if run.rows[n]["case_id"] in follow]
        if late:
            done = 0
            for n in [*late, stop]:
                done += _queue(ctx, table, run, start, n, order)
                if n < stop:
                    results.append(order.step(run.change(n), None))
                start = n + 1
            return done
    return _queue(ctx, table, run, start, stop, order)


def _queue(ctx, table: SyncedTable, run: Run, start: int, stop: int, order) -> int:
    """Rows ``start:stop`` go in as sent (written by the device's workstation), each moved
    to the head of the feed, in order: what ``_write`` does for each new row."""
    if start >= stop:
        return 0
    rows = run.rows[start:stop]
    writer = ctx.device.workstation_id
    verbatim = [row["written_by"] == writer for row in rows] \
        if "written_by" in table.columns else [False] * len(rows)
    ctx.queue_new_rows(table, database_rows(ctx.dialect, table, rows, writer), NewRows(
        run.tbl, [row["id"] for row in rows], run.ids[start:stop], run.seqs[start:stop],
        verbatim, ctx.take_seqs(len(rows))))
    ctx.count(run.tbl, total=len(rows),
              deleted=sum(row.get("deleted_at") is not None for row in rows))
    order.last = run.seqs[stop - 1]
    return len(rows)


@dataclass
class NewRows:
    """The bookkeeping of one queued stretch: its feed rows and applied change ids."""

    tbl: str
    row_ids: list[str]
    change_ids: list[str]
    device_seqs: list[int]
    verbatim: list[bool]
    first: int  # feed number of the first row; the others follow in order
    at: Any = field(default_factory=clock.now)

    def feed(self, device_id: str) -> list[tuple]:
        return list(zip(itertools.repeat(self.tbl), self.row_ids, itertools.count(self.first),
                        itertools.repeat(device_id), self.verbatim))

    def applied(self, device_id: str) -> list[tuple]:
        """``(change id, device, device seq, result, feed seq, received at)``: the result
        the one-by-one path stores (and answers a repeated change with)."""
        return [(cid, device_id, dseq, dumps({
            "id": cid, "tbl": self.tbl, "row_id": rid, "outcome": "applied",
            "drop_local": False, "seq": seq, "conflicts": 0}), seq, self.at)
            for cid, rid, dseq, seq in zip(self.change_ids, self.row_ids, self.device_seqs,
                                           itertools.count(self.first))]


def database_rows(dialect: str, table: SyncedTable, rows: list[dict],
                  writer: str) -> list:
    """The rows as the database takes them: values in the table's column order (binary
    values as bytes) for SQLite's ``executemany`` and PostgreSQL's ``COPY``; written by
    ``writer``."""
    columns = table.columns
    blobs = [n for n, k in enumerate(table.kinds) if k == BLOB]
    at = columns.index("written_by") if "written_by" in columns else None
    out = []
    whole = itemgetter(*columns)
    for row in rows:
        values = list(whole(row))
        for n in blobs:
            if values[n] is not None:
                values[n] = bytes.fromhex(values[n])
        if at is not None:
            values[at] = writer
        out.append(values)
    return out
