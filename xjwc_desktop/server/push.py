"""Applying a device's pushed changes: exactly once, in the device's order, merged per field.

A push is one transaction. Pushes from different devices run side by side and only
the short section that numbers their rows in the change feed is serialised, so the
server's sequence numbers are still committed in order and a pull never skips one (see
sequencer.py for the locks and why). A change that cannot be
written (a constraint the checks did not foresee) is set aside in a conflict record and
the others land: the push is then applied again with a savepoint around each change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from xjwc_desktop.core import clock
from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.sync import merge
from xjwc_desktop.core.sync.codec import DATETIME_FORMAT, dumps, loads, row_hash
from xjwc_desktop.core.sync.merge import ConflictSpec
from xjwc_desktop.core.sync.rows import json_texts, no_cycle_collector
from xjwc_desktop.core.sync.schema import is_synced, synced_table
from xjwc_desktop.server import authz, new_rows, validate
from xjwc_desktop.server.conflict_log import add_lost_event, record_conflict
from xjwc_desktop.server.devices import Device
from xjwc_desktop.server.numbers import renumber
from xjwc_desktop.server.push_context import PushContext
from xjwc_desktop.server.sequencer import push_transaction


class OutOfOrder(XjwcError):
    """Changes arrived out of the device's order (a delayed or replayed request)."""

    def __init__(self, expected: int) -> None:
        super().__init__(f"同步请求顺序错误：服务器已收到本设备至第 {expected} 条修改。")
        self.expected = expected


#: How far a change's sequence number may run ahead of the device's last applied one.
#: Gaps are normal (changes folded or dropped before they were sent), but a hundred
#: million writes between two syncs are not: such a number is refused, never recorded,
#: so a forged push cannot make the real device's next changes look old.
MAX_SEQ_GAP = 100_000_000
#: Conflict records one push may create: every workstation downloads them all, so a
#: push of thousands of refused edits is refused whole instead.
MAX_CONFLICTS = 500


class PushRefused(XjwcError):
    """The whole push is refused (nothing applied, nothing recorded). ``limit`` names the
    limit it went over: ``conflicts`` (a smaller push may pass) or ``seq``."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


def apply_push(engine: Engine, server_id: str, device: Device, prev: int,
               changes: list[dict[str, Any]],
               inserts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Apply ``changes`` (in the device's outbox order), or ``inserts``, runs of new rows
    (new_rows.py); returns a result per change (for runs: per change that did not simply
    go in, with ``inserted`` counting those that did).

    First all in one go; if any change cannot be written (a constraint the checks did
    not foresee), the whole attempt is taken back and the push is applied again with a
    savepoint around each change, so only that one is set aside.
    """
    runs = new_rows.runs_of(inserts)
    if runs and not new_rows.goes_in_bulk(device, runs):
        changes, runs = new_rows.as_changes(runs), []
    if runs:  # thousands of plain rows and lists, none in a cycle: not walked again and again
        with no_cycle_collector():
            return _apply(engine, server_id, device, prev, changes, runs)
    return _apply(engine, server_id, device, prev, changes, runs)


def _apply(engine: Engine, server_id: str, device: Device, prev: int,
           changes: list[dict[str, Any]], runs: list[new_rows.Run]) -> dict[str, Any]:
    # The schema checks read only the change: made before the write transaction, they do
    # not lengthen SQLite's single writer or hold PostgreSQL's locks.
    problems = [validate.problem(c) for c in changes]
    screened = new_rows.screen(device, runs)
    with push_transaction(engine, device, changes, alone=bool(runs)) as order:
        conn = order.conn
        through = conn.execute(text("SELECT pushed_through FROM sync_devices WHERE id = :i"),
                               {"i": device.id}).scalar_one()
        known = _known(conn, [c["id"] for c in changes] + [i for r in runs for i in r.ids])
        first_seq = order.first_seq()

        def attempt(careful: bool) -> tuple[PushContext, list[dict], int, int]:
            ctx = PushContext(conn, device, conn.dialect.name, first_seq, server_id)
            steps = _DeviceOrder(ctx, known, through, prev, careful)
            if runs and not careful:
                aside = [dict(s) for s in screened]
                new_rows.sort_out(conn, ctx, runs, aside, known, through, prev)
                ctx.preload([r.change(n) for r, spots in zip(runs, aside, strict=True)
                             for n in spots if r.ids[n] not in known], unique_values=False)
                results, inserted = new_rows.walk(ctx, runs, aside, steps)
            else:
                # Runs taken back after a failed write go one by one, each as a change.
                todo = changes or new_rows.as_changes(runs)
                malformed = problems if changes else [validate.problem(c) for c in todo]
                ctx.preload([c for c in todo if c["id"] not in known])
                results = [steps.step(c, m) for c, m in zip(todo, malformed, strict=True)]
                inserted = 0
            ctx.write_pending()  # inside the attempt: a failure here is the attempt's too
            return ctx, results, steps.last, inserted

        try:
            with conn.begin_nested():
                ctx, results, last, inserted = attempt(careful=False)
        except IntegrityError:
            ctx, results, last, inserted = attempt(careful=True)
        ctx.write_pending()  # the rows before the ordered section, which is kept short
        order.finalise(ctx, results)
        ctx.flush(last)
        answer = {"results": results, "pushed_through": last, "seq": ctx.seq - 1}
        return {**answer, "inserted": inserted} if runs else answer


class _DeviceOrder:
    """Each device's changes land in its own order, each change once: the one-by-one
    path's step, which keeps the last change applied (``last``)."""

    def __init__(self, ctx: PushContext, known: dict[str, dict], through: int, prev: int,
                 careful: bool) -> None:
        self.ctx, self.known, self.through, self.prev = ctx, known, through, prev
        self.careful = careful
        self.last = through

    def step(self, change: dict[str, Any], malformed: str | None) -> dict[str, Any]:
        if change["id"] in self.known:
            return {**self.known[change["id"]], "duplicate": True}
        # A new change must come after the last one applied, and the device must not
        # believe more was applied.
        if change["seq"] <= self.last or self.prev > self.through:
            raise OutOfOrder(self.through)
        if change["seq"] > self.last + MAX_SEQ_GAP:
            raise PushRefused(
                f"修改序号 {change['seq']} 比本设备已上传的第 {self.last} 条超前太多"
                f"（最多 {MAX_SEQ_GAP:,}），整批拒绝，未记录。", "seq")
        result = _apply_one(self.ctx, change, self.careful, malformed)
        self.ctx.record(change, result)
        self.last = change["seq"]
        return result


def _known(conn: Connection, ids: list[str]) -> dict[str, dict]:
    """The stored results of the change ids the server has applied already: the ids as
    one JSON text per 10,000 (a first push asks for 10,000 at a time; 500 a statement
    with an expanding ``IN`` cost PostgreSQL 1.5 s of its 196,000)."""
    query = text("SELECT change_id, result FROM sync_changes WHERE change_id IN "
                 + json_texts(conn.dialect.name))
    out = {}
    for start in range(0, len(ids), 10_000):
        for cid, result in conn.execute(query, {"ids": dumps(ids[start:start + 10_000])}):
            out[cid] = loads(result)
    return out


def _apply_one(ctx: PushContext, change: dict[str, Any], careful: bool,
               malformed: str | None) -> dict[str, Any]:
    tbl, row_id, op = change["tbl"], change["row_id"], change["op"]
    result: dict[str, Any] = {"id": change["id"], "tbl": tbl, "row_id": row_id}
    if not is_synced(tbl) or op not in ("insert", "update", "delete"):
        return {**result, "outcome": "refused", "drop_local": False, "reason": malformed}
    table = synced_table(tbl)
    server_row = ctx.row(table, row_id)
    if malformed:
        return {**result, **_refuse(ctx, table, change, server_row, malformed,
                                    well_formed=False)}
    mine = _device_row(change)
    decision = _decide(table, change, server_row)
    # A change that would change nothing (a reference row every workstation has) needs no
    # right; anything else is checked against the device's role and zone.
    changes_something = decision.insert or decision.apply or decision.conflicts
    if changes_something and ctx.device.role == "inspector":
        ctx.write_pending()  # the zone check reads cases from the database
    reason = changes_something and authz.refusal(ctx.conn, ctx.device, tbl, op, server_row,
                                                 change)
    if reason:
        return {**result, **_refuse(ctx, table, change, server_row, reason)}
    parent = (change.get("row") or {}).get("case_id")
    if op == "insert" and parent in ctx.set_aside:
        # A note or history event of a case that did not get in goes with that case.
        add_lost_event(ctx.conn, ctx.set_aside[parent], {"tbl": tbl, **change["row"]},
                       key="children")
        ctx.feed_row("sync_conflicts", ctx.set_aside[parent], verbatim=False, device_id=None)
        return {**result, "outcome": "set_aside", "drop_local": True}
    if not careful:
        return {**result, **_write(ctx, table, change, server_row, mine, decision)}
    savepoint = ctx.conn.begin_nested()
    try:
        outcome = _write(ctx, table, change, server_row, mine, decision, careful=True)
        ctx.write_pending()
        savepoint.commit()
    except IntegrityError as exc:
        savepoint.rollback()
        ctx.remember(table, row_id, server_row)
        conflict_id = _conflict(ctx, table, row_id, change, ConflictSpec(
            merge.SET_ASIDE, [], None, None, _content(change),
            {"reason": str(exc.orig).splitlines()[0][:300]}), server_row)
        if server_row is None:
            ctx.set_aside[row_id] = conflict_id
        return {**result, "outcome": "set_aside", "drop_local": server_row is None,
                "seq": _touch(ctx, tbl, row_id) if server_row else None}
    return {**result, **outcome}


def _refuse(ctx: PushContext, table, change: dict, server_row: dict | None,
            reason: str, *, well_formed: bool = True) -> dict[str, Any]:
    """Set the change aside in a conflict record that says why; the device takes back its
    row (a new one) or gets the server's again."""
    new = change.get("new")
    fields = sorted(new)[:50] if isinstance(new, dict) else []
    # The record's label is read from the change only if it is well formed.
    sent = change if well_formed else {"id": change["id"], "op": change["op"]}
    _conflict(ctx, table, change["row_id"], sent, ConflictSpec(
        merge.REFUSED, fields, None, None, _content(change), {"reason": reason}), server_row)
    return {"outcome": "refused", "drop_local": server_row is None, "reason": reason,
            "seq": _touch(ctx, table.name, change["row_id"]) if server_row else None}


LOST_TEXT = 1000  # characters of each refused value kept in its conflict record


def _content(change: dict) -> dict:
    """What the device sent, for the conflict record: texts cut to :data:`LOST_TEXT`."""
    content = change.get("row") or change.get("new") or change.get("base") or {}
    if not isinstance(content, dict):
        return {}
    return {str(k)[:40]: (v[:LOST_TEXT] + "…" if isinstance(v, str) and len(v) > LOST_TEXT
                          else v if isinstance(v, str | int | float | bool) or v is None
                          else str(v)[:LOST_TEXT])
            for k, v in list(content.items())[:200]}


def _device_row(change: dict) -> dict:
    """The row as the device has it after this change."""
    if change["op"] == "insert":
        return change["row"]
    if change["op"] == "delete":
        return change["base"]
    return {**change["base"], **change["new"], **(change.get("stamp") or {})}


def _decide(table, change: dict, server_row: dict | None) -> merge.Decision:
    if change["op"] == "insert":
        return merge.decide_insert(table, server_row, change["row"])
    new = dict(change.get("new") or {})
    if change["op"] == "delete":  # deleted there for good; on the server a deletion is a mark
        new = {"deleted_at": clock.now().strftime(DATETIME_FORMAT)}
    return merge.decide_update(table, server_row, change["base"], new)


def _write(ctx: PushContext, table, change: dict, server_row: dict | None,
           mine: dict, decision: merge.Decision, *, careful: bool = False) -> dict[str, Any]:
    row_id = change["row_id"]
    if decision.insert:
        # Who wrote it is the server's to say: the workstation the device is bound to.
        row = {**change["row"], "written_by": ctx.device.workstation_id}
        if table.name == "case_events" and (row.get("case_id") in ctx.lost_steps
                                            or ctx.clash(table, row)):
            _lose_event(ctx, table, change, row)
            return {"outcome": "set_aside", "drop_local": True}
        if table.name == "cases" and ctx.clash(table, row, keys=(("case_no",),)):
            ctx.write_pending()  # the next free number counts this push's new cases
            taken = renumber(ctx.conn, row, ctx.device.device_no)
            decision.conflicts.append(ConflictSpec(
                merge.RENUMBERED, ["case_no"], None, {"case_no": row["case_no"]},
                {"case_no": taken}))
        clash = ctx.clash(table, row)
        if clash:
            ctx.set_aside[row_id] = _conflict(ctx, table, row_id, change, ConflictSpec(
                merge.DUPLICATE, list(clash), None, None, row, {"clash_with": list(clash)}),
                None)
            return {"outcome": "set_aside", "drop_local": True}
        ctx.insert(table, row, now=careful)
        ctx.count(table.name, total=1, deleted=int(row.get("deleted_at") is not None))
        after = row
    elif decision.apply:
        stamp = change.get("stamp") or {}
        values = {**decision.apply, "updated_at": stamp.get("updated_at") or
                  clock.now().strftime(DATETIME_FORMAT),
                  "written_by": ctx.device.workstation_id}
        ctx.update(table, row_id, values)
        if "deleted_at" in decision.apply:
            was = server_row.get("deleted_at") is not None
            now = decision.apply["deleted_at"] is not None
            ctx.count(table.name, deleted=int(now) - int(was))
        after = {**server_row, **values}
    else:
        after = server_row
    ctx.remember(table, row_id, after)
    for spec in decision.conflicts:
        conflict_id = _conflict(ctx, table, row_id, change, spec, server_row)
        if spec.kind == merge.WORKFLOW and table.name == "cases":
            ctx.lost_steps[row_id] = conflict_id
    verbatim = after is not None and (
        row_hash([after.get(c) for c in table.columns]) == change["row_hash"]
        if change.get("row_hash") is not None else after == mine)
    wrote = decision.insert or bool(decision.apply)
    seq = None
    if wrote or not verbatim:
        seq = ctx.feed_row(table.name, row_id, verbatim=verbatim and wrote)
    outcome = decision.outcome if decision.insert or decision.apply or decision.conflicts \
        else "unchanged"
    return {"outcome": outcome, "drop_local": False, "seq": seq,
            "conflicts": len(decision.conflicts)}


def _touch(ctx: PushContext, tbl: str, row_id: str) -> int:
    """Resend a row the device has wrong (its change did not get in as sent)."""
    return ctx.feed_row(tbl, row_id, verbatim=False)


def _conflict(ctx: PushContext, table, row_id: str, change: dict, spec: ConflictSpec,
              server_row: dict | None) -> str:
    ctx.conflicts += 1
    if ctx.conflicts > MAX_CONFLICTS:
        raise PushRefused(
            f"这批修改会产生超过 {MAX_CONFLICTS} 条冲突记录，整批拒绝，未记录。"
            "请检查本机的修改（或请管理员查看服务器日志）后再同步。", "conflicts")
    ctx.write_pending()
    conflict_id = record_conflict(ctx.conn, ctx.dialect, ctx.server_id, table, row_id,
                                  change, spec, server_row, ctx.device)
    ctx.count("sync_conflicts", total=1)
    ctx.feed_row("sync_conflicts", conflict_id, verbatim=False, device_id=None)
    return conflict_id


def _lose_event(ctx: PushContext, table, change: dict, row: dict) -> None:
    """A history event of a step that did not get in: kept with that step's conflict
    record (one record per lost step), never as a second history of the case."""
    case_id = row["case_id"]
    conflict_id = ctx.lost_steps.get(case_id)
    if conflict_id is None:
        conflict_id = _conflict(ctx, synced_table("cases"), case_id, change, ConflictSpec(
            merge.WORKFLOW, [], None, None, None,
            {"reason": "另一处已先办理了这一步", "events": [row]}), None)
        ctx.lost_steps[case_id] = conflict_id
        return
    add_lost_event(ctx.conn, conflict_id, row)
    ctx.feed_row("sync_conflicts", conflict_id, verbatim=False, device_id=None)

