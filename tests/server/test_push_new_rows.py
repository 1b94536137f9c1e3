"""The bulk path for new rows (server/new_rows.py) leaves exactly the server state the
one-by-one path leaves on the same pushes: the rows, the change feed and its numbers, the
conflict records, the refusals and their reasons, the applied change ids and their stored
results, the counts, the device's place; and its answer says the same.

Two servers start identical; one gets each push as changes, the other as runs of new
rows. The pushes are real rows of the demo database with hostile texts and bad rows mixed
in (every kind of schema refusal, a case outside the street, another's zone, a table the
role may not write, ids and unique values the server holds or the push names twice, a
history event of a case set aside), a push whose write fails (the careful retry), a push
sent again after a lost answer, and pushes refused whole (out of order, too many
conflicts).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text

from xjwc_desktop.core.sync.codec import wire_converter
from xjwc_desktop.core.sync.rows import iter_all_rows, quoted
from xjwc_desktop.core.sync.schema import synced_table, synced_tables
from xjwc_desktop.server import new_rows
from xjwc_desktop.server.database import open_server_database
from xjwc_desktop.server.devices import add_device, authenticate, bind_workstation
from xjwc_desktop.server.push import OutOfOrder, PushRefused, apply_push

WORKSTATION = "0192f0c0aaaa7000800000000000beef"
HOSTILE = ["'; DROP TABLE cases; --", '"引号" \\ 反斜杠 \\u0000 %s %(x)s ?',
           "<script>alert(1)</script>", "第一行\n第二行\r\n\t制表", "emoji 🚲🏙️ 𠀀 \u2028\u2029",
           "{\"op\":\"insert\"}", "NULL", "0x00 \\x00", "ＡＢＣ 全角", "a" * 200]


def _id(kind: int, n: int) -> str:
    """A well-formed id of the test's own (``kind`` keeps the families apart)."""
    return f"0192f0c0{kind:04x}7000800000{n:010x}"


def _note(n: int, case_id: str, **values) -> dict:
    return {"case_id": case_id, "author": "巡查员", "at": "2015-11-02 09:00:00.000000",
            "text": HOSTILE[n % len(HOSTILE)], "id": _id(1, n),
            "created_at": "2015-11-02 09:00:00.000000",
            "updated_at": "2015-11-02 09:00:00.000000", "written_by": WORKSTATION,
            "deleted_at": None, **values}


# -- two identical servers -------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def twins(request, server_template, tmp_path):
    """Two servers holding the same data (the street's reference rows)."""
    if request.param == "sqlite":
        urls = []
        for name in ("one", "bulk"):
            shutil.copyfile(server_template, tmp_path / f"{name}.sqlite")
            urls.append(str(tmp_path / f"{name}.sqlite"))
        yield _open(urls)
        return
    import psycopg

    from tests.server.sync_helpers import PG_ADMIN, postgres_database

    with postgres_database() as first:
        open_server_database(first).close()
        second = first + "_b"
        name = second.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{first.rsplit("/", 1)[1]}"')
        try:
            yield _open([first, second])
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _open(urls: list[str]) -> Twins:
    return Twins([open_server_database(url) for url in urls])


class Twins:
    """The one-by-one server and the bulk server, with the same devices."""

    def __init__(self, servers) -> None:
        self.servers = servers
        self.devices: dict[str, list] = {}

    def device(self, name: str, role: str, zone: str | None = None) -> None:
        found = []
        for server in self.servers:
            device, token = add_device(server.engine, name, role, zone)
            bind_workstation(server.engine, device, WORKSTATION)
            found.append(authenticate(server.engine, token))
        self.devices[name] = found

    def push(self, name: str, prev: int, changes: list[dict]) -> tuple:
        """The push as changes to the first server and as runs to the second; both
        answers (or both refusals), made comparable."""
        answers = []
        for n, server in enumerate(self.servers):
            device = self.devices[name][n]
            try:
                if n == 0:
                    answer = apply_push(server.engine, server.server_id, device, prev,
                                        orjson.loads(orjson.dumps(changes)))
                else:
                    answer = apply_push(server.engine, server.server_id, device, prev, [],
                                        _runs(orjson.loads(orjson.dumps(changes))))
            except (OutOfOrder, PushRefused) as exc:
                answers.append((type(exc).__name__, str(exc)))
                continue
            answers.append(answer)
        return tuple(answers)

    def close(self) -> None:
        for server in self.servers:
            server.close()


def _runs(changes: list[dict]) -> list[dict]:
    runs: list[dict] = []
    for change in changes:
        if not runs or runs[-1]["tbl"] != change["tbl"]:
            runs.append({"tbl": change["tbl"], "ids": [], "seqs": [], "rows": []})
        runs[-1]["ids"].append(change["id"])
        runs[-1]["seqs"].append(change["seq"])
        runs[-1]["rows"].append(change["row"])
    return runs


def _same_answer(pair: tuple, changes: list[dict]) -> None:
    """The bulk answer lists, in order, the one-by-one results of the changes that did not
    simply go in; every other change went in as sent, and ``inserted`` counts them."""
    one, bulk = pair
    if not isinstance(one, dict):
        assert one == bulk
        return
    assert isinstance(bulk, dict), bulk
    assert (bulk["pushed_through"], bulk["seq"]) == (one["pushed_through"], one["seq"])
    listed = {r["id"] for r in bulk["results"]}
    assert bulk["results"] == [r for r in one["results"] if r["id"] in listed]
    rest = [r for r in one["results"] if r["id"] not in listed]
    assert bulk["inserted"] == len(rest)
    assert all(r["outcome"] == "applied" and not r["drop_local"] and not r["conflicts"]
               and not r.get("duplicate") and r["seq"] is not None for r in rest)
    assert len(one["results"]) == len(changes)


# -- the server state, comparable across servers ---------------------------------------
def state(server, *, change_ids: bool = True) -> dict:
    """What the server holds; without ``change_ids``, applied changes are known by the
    device's numbers (two workstations freezing the same rows mint different ids)."""
    with server.engine.connect() as conn:
        devices = dict(conn.execute(text("SELECT id, name FROM sync_devices")).all())
        feed = conn.execute(text(
            "SELECT tbl, row_id, seq, device_id, verbatim FROM sync_rows ORDER BY seq")).all()
        # Conflict records get new random ids: named by their place in the feed instead.
        conflict_name = {row_id: f"conflict@{seq}" for tbl, row_id, seq, _d, _v in feed
                         if tbl == "sync_conflicts"}
        out: dict = {"feed": [(t, conflict_name.get(r, r), s, devices.get(d, d), bool(v))
                              for t, r, s, d, v in feed]}
        for table in synced_tables():
            rows = [list(r) for r in iter_all_rows(conn, table)]
            if table.name == "sync_conflicts":
                cols = table.columns
                for row in rows:
                    row[cols.index("id")] = conflict_name[row[cols.index("id")]]
                    row[cols.index("written_by")] = "server"
                    if not change_ids:  # the change that lost: known by its place
                        row[cols.index("change_id")] = None
                rows.sort(key=lambda r: r[cols.index("id")])
            out[table.name] = rows
        out["changes"] = sorted(
            (c if change_ids else "", devices[d], ds, _result(r, change_ids), s)
            for c, d, ds, r, s in conn.execute(text(
                "SELECT change_id, device_id, device_seq, result, seq FROM sync_changes")))
        out["counts"] = sorted(conn.execute(text(
            "SELECT tbl, total, deleted FROM sync_table_counts")).all())
        out["devices"] = sorted(conn.execute(text(
            "SELECT name, pushed_through FROM sync_devices")).all())
    return out


def _result(stored: str, change_ids: bool) -> dict:
    result = orjson.loads(stored)
    return result if change_ids else {k: v for k, v in result.items() if k != "id"}


def _pushed_alike(twins: Twins, reports: list, digests: list, *, at_least: int) -> None:
    """Both workstations pushed the same changes with the same outcome (``at_least`` of
    them), ended with the same rows, and so did both servers (their change ids aside)."""
    assert reports[0] == reports[1]
    assert reports[0][0] >= at_least
    assert digests[0] == digests[1]
    _same_state(twins, change_ids=False)


def _same_state(twins: Twins, *, change_ids: bool = True) -> None:
    one, bulk = (state(s, change_ids=change_ids) for s in twins.servers)
    for key in one:
        assert bulk[key] == one[key], key


# -- the pushes ------------------------------------------------------------------------
def _demo_rows(path: Path, cases: int) -> dict[str, list[dict]]:
    """Inspectors, then ``cases`` cases of the demo database with their history, as wire
    rows, read from the session's template without writing to it (read-only)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {"inspectors": _wire(conn, "inspectors", "1 = 1")}
        ids = [r["id"] for r in _wire(conn, "cases", f"1 = 1 ORDER BY rowid LIMIT {cases}")]
        marks = ", ".join(f"'{i}'" for i in ids)  # ids read from our own file
        out["cases"] = _wire(conn, "cases", f"id IN ({marks}) ORDER BY rowid")
        for child in ("case_events", "case_notes"):
            out[child] = _wire(conn, child, f"case_id IN ({marks}) ORDER BY rowid")
    finally:
        conn.close()
    return out


def _wire(conn, name: str, where: str) -> list[dict]:
    table = synced_table(name)
    convert = wire_converter(table.kinds)
    rows = conn.execute(f'SELECT {quoted(table.columns)} FROM "{name}" WHERE {where}')
    return [dict(zip(table.columns, convert(r), strict=True)) for r in rows]


class Pushes:
    """Changes numbered in the device's order, with change ids of their own."""

    def __init__(self, device: str = "a") -> None:
        self.seq = 0
        self.device = device

    def changes(self, rows: list[tuple[str, dict]]) -> list[dict]:
        out = []
        for tbl, row in rows:
            self.seq += 1
            out.append({"id": f"{self.device}{self.seq:08d}", "seq": self.seq, "tbl": tbl,
                        "row_id": row["id"], "op": "insert", "row": row})
        return out


def _hostile(cases: list[dict]) -> None:
    for n, case in enumerate(cases[:len(HOSTILE) * 3]):
        case[("address", "description", "reporter_name")[n % 3]] = HOSTILE[n % len(HOSTILE)][:60]


def _bad_cases(template: dict) -> list[dict]:
    """Cases each refused for one reason (schema, map or zone), or set aside."""
    def variant(n: int, **values) -> dict:
        return {**template, "id": f"0192f0c0bad07000800000000000{n:04x}",
                "case_no": f"{template['case_no'][:-4]}{9000 + n}", "external_no": None,
                **values}

    unknown = variant(9)
    unknown["no_such_column"] = 1
    missing = variant(10)
    del missing["lat"]
    return [
        variant(1, lon="121.5"),  # a text where a number goes
        variant(2, address="长" * 201),  # too long
        variant(3, description="有\x00NUL"),  # NUL
        variant(4, reported_at="2026-02-30 10:00:00.000000"),  # no such day
        variant(5, status="no-such-status"),  # not a code of the column
        variant(6, lon=121.0, lat=30.0),  # outside the street
        variant(7, zone_code="south" if template["zone_code"] == "north" else "north"),
        variant(8, escalated=1),  # an integer where yes/no goes
        unknown, missing,
        variant(11, category_code=None),  # required
        variant(12, id="not an id!"),  # the id's form
        variant(13, paused_minutes=2**63),  # integer out of range
        variant(14, lat=None),  # no position
    ]


@pytest.fixture
def pushes(demo_template):
    return _demo_rows(demo_template, 180)


def test_same_state_as_one_by_one(twins, pushes, frozen_clock):
    try:
        _scenario(twins, pushes)
    finally:
        twins.close()


def _scenario(twins: Twins, rows: dict[str, list[dict]]) -> None:
    twins.device("admin-ws", "admin")
    twins.device("operator-ws", "operator")
    order = Pushes()
    cases, events = rows["cases"], rows["case_events"]
    assert len(cases) == 180
    assert events
    notes = [_note(n, cases[n % 180]["id"]) for n in range(360)]
    _hostile(cases)
    first_cases = cases[:150]
    bad = _bad_cases(first_cases[0])
    # Two cases claiming one number (the later one is renumbered), and one claiming the
    # (source, external number) of another (set aside, its history goes with it).
    twin_no = {**cases[150], "case_no": first_cases[3]["case_no"]}
    clash = {**cases[151], "source": first_cases[5]["source"],
             "external_no": first_cases[5]["external_no"]}
    if clash["external_no"] is None:
        clash["external_no"] = first_cases[5]["external_no"] = "ORDER-12345"
    twice = dict(first_cases[7])  # the same row twice in one push
    first = order.changes(
        [("inspectors", r) for r in rows["inspectors"]]
        + [("cases", c) for c in first_cases[:60]] + [("cases", b) for b in bad]
        + [("cases", c) for c in first_cases[60:]]
        + [("cases", twin_no), ("cases", clash), ("cases", twice)]
        + [("case_events", e) for e in events if e["case_id"] in
           {c["id"] for c in first_cases} | {clash["id"]}]
        + [("case_events", {**events[0], "id": _id(10, 1)})]
        + [("case_notes", n) for n in notes if n["case_id"] in {c["id"] for c in first_cases}]
        + [("sync_conflicts", {"id": _id(11, 1)})]
        + [("case_notes", _note(n, notes[0]["case_id"], id=_id(3, n))) for n in range(40)])
    answers = twins.push("admin-ws", 0, first)
    _same_answer(answers, first)
    assert answers[1]["inserted"] > 300, "the bulk path was taken"
    assert any(r["outcome"] == "refused" for r in answers[1]["results"])
    _same_state(twins)

    # The answer was lost: the same push again applies nothing twice.
    again = twins.push("admin-ws", 0, first)
    _same_answer(again, first)
    assert all(r.get("duplicate") for r in again[1]["results"])
    _same_state(twins)

    # Rows the server has (sent again with new change ids, some edited), numbers it holds,
    # changes it has already applied mixed with new ones, and the rest of the cases.
    through = answers[0]["pushed_through"]
    held = [{**c, "address": "改过的地址"} if n % 2 else c for n, c in enumerate(first_cases[:20])]
    renumber = [{**c, "case_no": first_cases[10 + n]["case_no"]}
                for n, c in enumerate(cases[152:160])]
    second = first[150:160] + order.changes(
        [("cases", c) for c in held] + [("cases", c) for c in cases[160:]] +
        [("cases", c) for c in renumber]
        + [("case_events", e) for e in events if e["case_id"] in {c["id"] for c in cases[152:]}]
        + [("case_notes", n) for n in notes if n["case_id"] in {c["id"] for c in cases[152:]}]
        + [("case_notes", {**n, "text": "又改了"}) for n in notes[:30]])  # held, no unique key
    answers = twins.push("admin-ws", through, second)
    _same_answer(answers, second)
    assert answers[1]["inserted"] > 200, "the bulk path was taken, not the careful retry"
    _same_state(twins)
    through = answers[0]["pushed_through"]

    # A history event naming a case the server does not have: the write fails, the push
    # is taken back and applied change by change (the careful retry).
    orphan = {**events[1], "id": _id(12, 1), "case_id": _id(12, 2)}
    notes_more = [_note(n, notes[0]["case_id"], id=_id(5, n)) for n in range(150)]
    third = order.changes([("case_notes", n) for n in notes_more[:75]] + [("case_events", orphan)]
                          + [("case_notes", n) for n in notes_more[75:]])
    answers = twins.push("admin-ws", through, third)
    _same_answer(answers, third)
    assert any(r["outcome"] == "set_aside" for r in answers[0]["results"])
    _same_state(twins)
    through = answers[0]["pushed_through"]

    # Refused whole: out of the device's order, and too many conflict records.
    late = [{**c, "seq": c["seq"] - 1000} for c in order.changes(
        [("case_notes", _note(n, notes[0]["case_id"], id=_id(6, n))) for n in range(120)])]
    _same_answer(twins.push("admin-ws", through, late), late)
    storm = order.changes([("case_notes", _note(n, notes[0]["case_id"], id=_id(7, n),
                                                at="not a time")) for n in range(600)])
    answers = twins.push("admin-ws", through, storm)
    assert answers[0][0] == "PushRefused"
    _same_answer(answers, storm)
    _same_state(twins)

    # An operator may not add reference rows: each refused with its reason.
    refs = Pushes("o").changes(
        [("inspectors", {**r, "id": _id(8, n), "code": f"X{n:04d}"})
         for n, r in enumerate(rows["inspectors"] * 30)][:120]
        + [("case_notes", _note(n, notes[0]["case_id"], id=_id(9, n))) for n in range(100)])
    answers = twins.push("operator-ws", 0, refs)
    _same_answer(answers, refs)
    assert answers[1]["inserted"] == 100
    _same_state(twins)


def test_runs_go_one_by_one_below_the_threshold_and_for_inspectors():
    from xjwc_desktop.server.devices import Device

    run = new_rows.Run("case_notes", ["a"] * 10, list(range(1, 11)), [{"id": "x"}] * 10)
    admin = Device("d", "n", "admin", None, 1, WORKSTATION, 0)
    inspector = Device("d", "n", "inspector", "north", 1, WORKSTATION, 0)
    assert not new_rows.goes_in_bulk(admin, [run])
    big = new_rows.Run("case_notes", ["a"] * 100, list(range(1, 101)), [{"id": "x"}] * 100)
    assert new_rows.goes_in_bulk(admin, [big])
    assert not new_rows.goes_in_bulk(inspector, [big])


# -- a workstation's first push over HTTP ----------------------------------------------
def _small_workstation(demo_template: Path, path: Path, cases: int) -> Path:
    """The demo database with only its first ``cases`` cases (and their history)."""
    import sqlite3

    shutil.copyfile(demo_template, path)
    path.chmod(0o644)
    conn = sqlite3.connect(path)
    # Without the foreign key checks: each deleted case would scan the cases naming it as
    # their duplicate (no index), 15,000 times. What is left is whole: checked below.
    conn.execute("PRAGMA foreign_keys = OFF")
    with conn:
        conn.execute("INSERT INTO sync_applying (flag) VALUES (1)")  # history may go too
        conn.execute("CREATE TEMP TABLE kept AS SELECT id FROM cases ORDER BY rowid LIMIT ?",
                     (cases,))
        for child in ("case_events", "case_notes", "case_attachments"):
            conn.execute(f"DELETE FROM {child} WHERE case_id NOT IN (SELECT id FROM kept)")
        conn.execute("UPDATE cases SET duplicate_of_id = NULL "
                     "WHERE duplicate_of_id NOT IN (SELECT id FROM kept)")
        conn.execute("DELETE FROM cases WHERE id NOT IN (SELECT id FROM kept)")
        conn.execute("DELETE FROM sync_applying")
    assert not conn.execute("PRAGMA foreign_key_check").fetchall()
    conn.close()
    return path


def test_a_workstations_first_push_lands_the_same_as_change_by_change(
        twins, demo_template, tmp_path, frozen_clock):
    from xjwc_desktop.core.storage.database import open_database
    from xjwc_desktop.core.sync.client import SyncClient, SyncReport
    from xjwc_desktop.core.sync.outbox import open_count
    from xjwc_desktop.core.sync.rows import table_digests
    from xjwc_desktop.core.sync.transport import HttpTransport
    from xjwc_desktop.server.run import BackgroundServer

    reports, digests = [], []
    try:
        for n, server in enumerate(twins.servers):
            token = add_device(server.engine, "first-push", "admin")[1]
            db = open_database(_small_workstation(demo_template, tmp_path / f"ws{n}.sqlite",
                                                  200))
            try:
                with BackgroundServer(server) as running, \
                        HttpTransport(running.url, token) as transport:
                    client = SyncClient(db, transport)
                    client.push_runs = n == 1  # the first server: one change at a time
                    client._hello()  # the push alone (a sync's pull would bring back
                    report = SyncReport()  # every row the server re-signed)
                    client._push(report)
                with db.engine.connect() as conn:
                    assert open_count(conn) == 0
                    digests.append(table_digests(conn))
                reports.append((report.pushed, report.conflicts, report.set_aside,
                                sorted(report.pushed_tables)))
            finally:
                db.close()
        _pushed_alike(twins, reports, digests, at_least=1001)
    finally:
        twins.close()


# -- the column-at-a-time screen never lets through a row the schema check refuses -----
ODD_VALUES = [None, "", "x" * 25_000, "有\x00NUL", "\ud800", 0, 1, -1, 1.5, 0.0, True, False,
              2**63, -(2**63) - 1, float("nan"), float("inf"), "2026-02-30 10:00:00.000000",
              "2026-01-01 10:00:00.000000", "2026-01-01", "2026-13-01", "zz", "abcd", "abc",
              "north", "hotline", [], {}, "0192f0c0aaaa7000800000000000beef"]


@pytest.mark.parametrize("name", ["cases", "case_events", "inspectors", "unit_grids",
                                  "case_attachments"])
def test_the_screen_names_every_row_the_schema_check_refuses(pushes, name):
    from xjwc_desktop.server import validate

    table = synced_table(name)
    base = (pushes.get(name) or [None])[0] or _any_row(table)
    rows, stricter = [dict(base)], set()
    for column, kind in table.kind_of.items():
        for value in ODD_VALUES:
            # The screen sends one by one what the check would take: an integer where a
            # real goes, a lone surrogate (the database refuses it, one by one as before),
            # a row without a column (it would take the column's default).
            if (kind == "real" and type(value) is int) or value == "\ud800":
                stricter.add(len(rows))
            rows.append({**base, column: value})
        stricter.add(len(rows))
        rows.append({k: v for k, v in base.items() if k != column})
    rows.append({**base, "no_such_column": 1})
    refused = {n for n, row in enumerate(rows) if validate.problem(
        {"id": "c", "seq": 1, "tbl": name, "row_id": row.get("id") if isinstance(
            row.get("id"), str) else "x", "op": "insert", "row": row}) is not None}
    suspects = validate.suspects(table, rows)
    assert refused <= suspects
    assert suspects - refused <= stricter
    assert len(refused) > len(table.columns)


def _any_row(table) -> dict:
    """A well-formed row of ``table`` made from the kinds of its columns."""
    from xjwc_desktop.core.sync.schema import BLOB, BOOL, DATE, DATETIME, INT, REAL

    sample = {DATETIME: "2015-11-02 09:00:00.000000", DATE: "2015-11-02", INT: 1, REAL: 1.5,
              BOOL: True, BLOB: "00ff"}
    row = {}
    for column, kind in table.kind_of.items():
        choices = table.choices.get(column)
        row[column] = sorted(choices)[0] if choices else sample.get(kind, "a")
    row["id"] = WORKSTATION
    if "sha256" in row:
        row["sha256"] = "0" * 64
    return row


# -- new rows read from the workstation's tables, edited meanwhile, answers lost --------
def _lose_answers(base, lost: set[int]):
    """A transport whose pushes numbered in ``lost`` reach the server and whose answers
    are then lost (as a server killed after its commit, or a dropped connection)."""
    from xjwc_desktop.core.sync.transport import SyncOffline

    class LosesAnswers(base):
        pushes = 0

        def push(self, *args, **kwargs):
            LosesAnswers.pushes += 1
            answer = super().push(*args, **kwargs)
            if LosesAnswers.pushes in lost:
                raise SyncOffline("the answer was lost")
            return answer

    return LosesAnswers


def _add_notes(db, case_ids: list[str]) -> None:
    """Notes written before the first sync (the demo has none): adopted with the rest."""
    from xjwc_desktop.core.storage.database import writing

    with writing(db.engine) as conn:
        for n in range(4):
            conn.execute(text(
                "INSERT INTO case_notes (id, case_id, author, at, text, created_at, updated_at, "
                "written_by) VALUES (:id, :c, '巡查员', '2015-11-02 09:00:00.000000', :t, "
                "'2015-11-02 09:00:00.000000', '2015-11-02 09:00:00.000000', :w)"),
                {"id": _id(9, n), "c": case_ids[10 + n], "t": HOSTILE[n], "w": WORKSTATION})


def _edit_after_freezing(db, case_ids: list[str]) -> None:
    """Edits that reach rows whose inserts are frozen and not yet acknowledged."""
    from xjwc_desktop.core.storage.database import writing

    with writing(db.engine) as conn:
        for n, case_id in enumerate(case_ids[:6]):
            conn.execute(text("UPDATE cases SET description = :d, address = :a WHERE id = :i"),
                         {"d": HOSTILE[n], "a": HOSTILE[-1 - n], "i": case_id})
        notes = conn.execute(text("SELECT id FROM case_notes ORDER BY rowid LIMIT 4"))\
            .scalars().all()
        conn.execute(text("UPDATE case_notes SET text = :t WHERE id = :i"),
                     {"t": HOSTILE[2], "i": notes[0]})
        conn.execute(text("DELETE FROM case_notes WHERE id = :i"), {"i": notes[1]})
        conn.execute(text("UPDATE case_notes SET text = 'x' WHERE id = :i"), {"i": notes[2]})
        conn.execute(text("DELETE FROM case_notes WHERE id = :i"), {"i": notes[2]})


@pytest.mark.parametrize("role", ["admin", "operator"])
def test_new_rows_read_from_the_tables_land_as_frozen_ones_would(
        twins, demo_template, tmp_path, frozen_clock, monkeypatch, role):
    """The same workstation pushes its whole data to twin servers: once with every new row
    frozen as JSON, once with the rows read from its tables when sent (outbox.freeze).
    Rows are edited and deleted after the freeze, answers are lost (the rows reached the
    server) and the workstation restarts; the servers, their feeds, conflict records and
    stored results, and the workstations end the same, and every edit is on the server."""
    from sqlalchemy import bindparam

    from xjwc_desktop.core.storage.database import open_database, writing
    from xjwc_desktop.core.sync import messages, outbox
    from xjwc_desktop.core.sync.client import SyncClient, SyncReport
    from xjwc_desktop.core.sync.rows import table_digests
    from xjwc_desktop.core.sync.transport import HttpTransport, SyncOffline
    from xjwc_desktop.server.run import BackgroundServer

    monkeypatch.setattr(messages, "MAX_INSERTS", 150)  # several runs, answers lost between
    reports, digests = [], []
    try:
        for n, server in enumerate(twins.servers):
            token = add_device(server.engine, "first-push", role)[1]
            path = _small_workstation(demo_template, tmp_path / f"ws{n}.sqlite", 120)
            db = open_database(path)
            with db.engine.connect() as conn:
                case_ids = conn.execute(text("SELECT id FROM cases ORDER BY rowid DESC"))\
                    .scalars().all()
            try:
                with BackgroundServer(server) as running:
                    report = SyncReport()
                    with _lose_answers(HttpTransport, {2, 4})(running.url, token) as transport:
                        client = SyncClient(db, transport)
                        client.inserts_from_tables = n == 1
                        _add_notes(db, case_ids)
                        client._hello()
                        with writing(db.engine) as conn:
                            outbox.freeze(conn, inserts_from_tables=n == 1)
                        _edit_after_freezing(db, case_ids)
                        with pytest.raises(SyncOffline):
                            client._push(report)
                        with pytest.raises(SyncOffline):
                            client._push(report)
                    db.close()  # the workstation restarts and pushes the rest
                    db = open_database(path)
                    with HttpTransport(running.url, token) as transport:
                        client = SyncClient(db, transport)
                        client.inserts_from_tables = n == 1
                        client._hello()
                        client._push(report)
                with db.engine.connect() as conn:
                    assert outbox.open_count(conn) == 0
                    digests.append(table_digests(conn))
                reports.append((report.pushed, report.conflicts, report.set_aside))
            finally:
                db.close()
        _pushed_alike(twins, reports, digests, at_least=501)
        with twins.servers[1].engine.connect() as conn:
            descriptions = conn.execute(text(
                "SELECT description FROM cases WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": case_ids[:6]}).scalars().all()
            changes = conn.execute(text("SELECT count(*) FROM sync_changes")).scalar_one()
        if role == "admin":  # an operator's cases naming reference rows are set aside
            assert sorted(descriptions) == sorted(HOSTILE[:6])
        # Every change applied once: the two lost runs were sent again and answered as
        # duplicates (not counted as pushed).
        assert changes == reports[0][0] + 2 * 150
    finally:
        twins.close()


HOSTILE_IDS = ["tab\there", "back\\slash\\N", "new\nline\r", "quote'\"", "案件编号", "a,b;c",
               "\\.", "𠀀🚲", "%s?:x"]


def test_hostile_change_ids_are_stored_alike(twins, pushes, frozen_clock):
    """Change ids are the device's text: the bulk path's books (COPY on PostgreSQL) keep
    every one as the one-by-one path does, and know each again."""
    try:
        twins.device("admin-ws", "admin")
        notes = [_note(n, pushes["cases"][0]["id"]) for n in range(120)]
        changes = Pushes().changes([("cases", pushes["cases"][0])]
                                   + [("case_notes", n) for n in notes])
        for n, change in enumerate(changes[:len(HOSTILE_IDS) * 10:10]):
            change["id"] = HOSTILE_IDS[n]
        answers = twins.push("admin-ws", 0, changes)
        _same_answer(answers, changes)
        assert answers[1]["inserted"] == len(changes)
        _same_state(twins)
        again = twins.push("admin-ws", 0, changes)
        assert all(r.get("duplicate") for r in again[1]["results"])
        assert len(again[1]["results"]) == len(changes)
    finally:
        twins.close()
