"""Sync figures of issue #6, each beside a baseline measured in the same run.

1. First sync of 100,000 cases to a new workstation (target ≥ 30,000 rows/s): our snapshot
   bootstrap (warm server cache, as a running server has it, and cold, the first one after
   a start); baselines: the same data through our incremental feed (JSON rows), and a
   straightforward SQLAlchemy ORM ``session.merge`` per pulled row (on a sample).
2. 1,000 edits pushed by one workstation and pulled by another (target ≤ 1 s); baseline:
   the same edits one HTTP request per change.
3. A sync with nothing to do on a 1,000,000-case database (target ≤ 100 ms); baseline: a
   sync that compares the whole database (``--verify``).
4. Issue #15: 1, 5, 10 and 20 workstations (separate processes) each pushing 200 edits at
   once to one server (targets at 20: ≥ 6,000 changes/s on PostgreSQL, ≥ 4,000 on
   SQLite, throughput not falling as workstations are added, slowest push ≤ 0.5 s), the
   server being ``xjwc serve`` with 1, 2, … worker processes (``--workers``; see
   push_rounds.py), and the first push of a 100,000-case workstation to an empty server
   (≥ 20,000 rows/s); baseline: the same with the old global push lock
   (``sequencer._SERIAL_PUSHES``, one process), and for the first push the same push with
   every new row frozen as JSON first (``SyncClient.inserts_from_tables`` off; with
   ``--one-by-one`` also one change at a time, ``push_runs`` off), interleaved with it
   (``--only first-push`` runs that part alone).

    .venv/bin/python bench/bench_sync.py [--workdir /tmp/xjwc-bench-sync] [--skip-1m] [--pg]
    .venv/bin/python bench/bench_sync.py --only push [--pg] [--repeat 3] [--workers 1,2]
        [--push-server-cases 1000000]
    .venv/bin/python bench/bench_sync.py --only first-push [--pg] [--repeat 2] [--one-by-one]
        [--first-push-cases 1000000] [--serve-only] [--no-baseline]

Growth (issue #15, target 8): ``--push-server-cases N`` runs the concurrent pushes against
a server holding the N-case demo (each workstation a whole copy of it: 20 of them), and
``--first-push-cases N`` pushes the N-case demo instead of the 100,000-case one.

Databases are made once in the work folder (``xjwc demo``) and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from bench_common import SEED_CASES, demo, load_line
from push_rounds import concurrent_pushes
from sqlalchemy import select, text

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case
from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.sync.bootstrap import bootstrap
from xjwc_desktop.core.sync.client import SyncClient, SyncReport
from xjwc_desktop.core.sync.transport import HttpTransport
from xjwc_desktop.server.database import open_server_database
from xjwc_desktop.server.devices import add_device
from xjwc_desktop.server.run import BackgroundServer


def cases_in(path: Path) -> int:
    """The cases a demo database holds (the figures' labels)."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]


def fresh_copy(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    shutil.rmtree(f"{dst}.snapshots", ignore_errors=True)
    return dst


def rows_in(path: Path) -> tuple[int, int]:
    db = open_database(path)
    try:
        with db.engine.connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
            total = sum(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                        for t in ("cases", "case_events", "case_notes", "unit_grids",
                                  "categories", "departments", "compounds", "inspectors",
                                  "illegal_structures", "census_records", "bike_stations",
                                  "patrol_zones"))
        return cases, total
    finally:
        db.close()


def line(label: str, value: str, baseline: str = "") -> None:
    print(f"  {label:<58} {value:>14}   {baseline}")


# -- 1. first sync ------------------------------------------------------------------------
def first_sync(work: Path, url: str, label: str, *, sample_orm: int = 5000) -> None:
    server_db = open_server_database(url)
    with BackgroundServer(server_db) as server:
        cases, total = None, None
        for run, name in enumerate(("cold", "warm", "warm")):
            token = add_device(server_db.engine, f"bench-{label}-{time.time_ns()}", "viewer")[1]
            target = work / f"new-{label}-{run}.sqlite"
            target.unlink(missing_ok=True)
            if name == "cold":
                shutil.rmtree(server_db.snapshot_dir, ignore_errors=True)
                server.app.state.snapshots.__init__(server_db)
            started = time.perf_counter()
            with HttpTransport(server.url, token) as transport:
                bootstrap(target, transport, server_url=server.url)
                db = open_database(target)
                SyncClient(db, transport).sync()
                db.close()
            seconds = time.perf_counter() - started
            if cases is None:
                cases, total = rows_in(target)
            line(f"{label}: new workstation, snapshot ({name} cache)", f"{seconds:.2f} s",
                 f"{cases / seconds:,.0f} cases/s, {total / seconds:,.0f} rows/s")
        # Baseline A: every row through the incremental feed (JSON, 5,000 per request).
        token = add_device(server_db.engine, f"bench-feed-{time.time_ns()}", "viewer")[1]
        target = work / f"feed-{label}.sqlite"
        target.unlink(missing_ok=True)
        empty = open_database(target, create=True)
        started = time.perf_counter()
        with HttpTransport(server.url, token) as transport:
            report = SyncClient(empty, transport).sync()
        seconds = time.perf_counter() - started
        empty.close()
        line(f"{label}: baseline, every row through the feed", f"{seconds:.2f} s",
             f"{report.pulled / seconds:,.0f} rows/s ({report.pulled:,} rows)")
        orm_baseline(server_db, work, label, sample_orm)
    server_db.close()


def orm_baseline(server_db, work: Path, label: str, sample: int) -> None:
    """A straightforward ORM sync: read the rows as objects, ``merge`` them one by one."""
    from sqlalchemy.orm import Session, make_transient

    target = work / f"orm-{label}.sqlite"
    target.unlink(missing_ok=True)
    db = open_database(target, create=True)
    with Session(server_db.engine) as src:
        cases = src.scalars(select(Case).order_by(Case.id).limit(sample)).all()
        for c in cases:
            src.expunge(c)
            make_transient(c)
    started = time.perf_counter()
    with db.engine.connect() as conn:
        # As our pulls do: the rows' parents (categories, departments) are not there yet.
        conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        with conn.begin(), Session(bind=conn) as s:
            for c in cases:
                s.merge(c)
            s.flush()
    seconds = time.perf_counter() - started
    db.close()
    line(f"{label}: baseline, ORM merge per row ({sample:,}-case sample)",
         f"{sample / seconds:,.0f} rows/s", "")


# -- 2. 1,000 edits ------------------------------------------------------------------------
def thousand_edits(work: Path, server_file: Path) -> None:
    url = str(fresh_copy(server_file, work / "edits-server.sqlite"))
    server_db = open_server_database(url)
    with BackgroundServer(server_db) as server:
        stations = []
        for name in ("甲", "乙"):
            token = add_device(server_db.engine, name, "operator")[1]
            path = work / f"edits-{name}.sqlite"
            path.unlink(missing_ok=True)
            transport = HttpTransport(server.url, token)
            bootstrap(path, transport, server_url=server.url)
            stations.append((open_database(path), transport))
        (a, ta), (b, tb) = stations
        SyncClient(a, ta).sync()
        SyncClient(b, tb).sync()
        rounds = [(1000, 5000, f"1,000 edits: push (A) + pull (B), round {n}") for n in (1, 2, 3)]
        rounds.append((1, 1, "baseline: the same, one request per change"))
        for rnd, (push_batch, pull_batch, label) in enumerate(rounds):
            with a.write() as s:
                for case in s.scalars(select(Case).order_by(Case.id).limit(1000)):
                    case.description = f"第 {rnd} 轮修改 {case.case_no}"
                    case.updated_at = clock.now()
                    case.written_by = a.workstation_id
            started = time.perf_counter()
            pushed = SyncClient(a, ta, push_batch=push_batch).sync()
            middle = time.perf_counter()
            pulled = SyncClient(b, tb, pull_batch=pull_batch).sync()
            done = time.perf_counter()
            assert pushed.pushed == 1000, pushed
            assert pulled.pulled >= 1000, pulled
            line(label, f"{done - started:.3f} s",
                 f"push {middle - started:.3f} s, pull {done - middle:.3f} s")
        for db, transport in stations:
            db.close()
            transport.close()
    server_db.close()


# -- 3. nothing to do on a million cases -----------------------------------------------------
def idle_sync(work: Path, million: Path) -> None:
    url = str(fresh_copy(million, work / "idle-server.sqlite"))
    server_db = open_server_database(url)
    with BackgroundServer(server_db) as server:
        token = add_device(server_db.engine, "idle", "operator")[1]
        path = work / "idle-ws.sqlite"
        path.unlink(missing_ok=True)
        transport = HttpTransport(server.url, token)
        started = time.perf_counter()
        bootstrap(path, transport, server_url=server.url)
        db = open_database(path)
        client = SyncClient(db, transport)
        client.sync()
        print(f"  (setup: a new workstation from the 1M server in "
              f"{time.perf_counter() - started:.1f} s)")
        with db.engine.connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            report = client.sync()
            times.append(time.perf_counter() - t0)
            assert report.pushed == report.pulled == 0
        line(f"sync with nothing to do, {cases:,} cases (median of 20)",
             f"{statistics.median(times) * 1000:.1f} ms",
             f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
        t0 = time.perf_counter()
        client.sync(verify=True)
        line("baseline: a sync comparing the whole database (--verify)",
             f"{time.perf_counter() - t0:.1f} s", "")
        db.close()
        transport.close()
    server_db.close()


# -- 4. concurrent pushes (push_rounds.py) and the first push ---------------------------
#: The first push's variants: (runs of new rows, new rows read from the tables when sent,
#: the next runs read while the server applies the last).
FIRST_PUSH = {"new": (True, True, True), "frozen JSON": (True, False, False),
              "one change at a time": (False, False, False)}


def first_push(work: Path, source: Path, empty_url, label: str, rounds: int,
               variants: tuple[str, ...], *, own_process: bool = False) -> None:
    """A workstation holding a demo database (``source``: 100,000 cases unless
    ``--first-push-cases`` says otherwise) pushes it all to an empty server: new
    rows read from its tables when sent (outbox.freeze), the next runs read while the
    server applies the last, sent as runs (new_rows.py); beside the same push with every
    new row frozen as JSON first and nothing read ahead (the path before this pass) and,
    asked for, one change at a time; interleaved A B B A. The server runs in this process
    (a thread, sharing the GIL with the client) or, ``own_process``, as ``xjwc serve``
    (as in an office, where it is another machine)."""
    figures: dict[str, list[tuple]] = {v: [] for v in variants}
    for n in range(rounds):
        for name in (variants if n % 2 == 0 else variants[::-1]):
            figures[name].append(_first_push_once(work, source, empty_url(), label,
                                                  *FIRST_PUSH[name], own_process=own_process))
    where = "xjwc serve in its own process" if own_process else "server in this process"
    print(f"  ({label}, {where}, {rounds} rounds each, medians; {load_line()})")
    rates = {v: statistics.median(f[0] for f in figures[v]) for v in variants}
    for name in variants:
        client = statistics.median(f[1] for f in figures[name])
        cpu = statistics.median(f[3] for f in figures[name])
        server_cpu = statistics.median(f[4] for f in figures[name])
        line(f"{label} ({where}): first push of {cases_in(source):,} cases to an empty server"
             + ("" if name == "new" else f" — baseline ({name})"),
             f"{rates[name]:,.0f} rows/s",
             f"{figures[name][0][2]:,} rows; {figures[name][0][2] / rates[name]:.1f} s; "
             f"the client's own part {client:.1f} s; CPU {cpu:.1f} s"
             + (f" + server {server_cpu:.1f} s" if own_process else " (client and server)")
             + "; runs: " + ", ".join(f"{f[0]:,.0f}" for f in figures[name])
             + "".join(f"; {rates[name] / rates[v]:.2f}× {v}" for v in variants
                       if name == "new" and v != name))


class _TimedTransport(HttpTransport):
    """Counts the time spent waiting for the server's answers to pushes."""

    waited = 0.0

    def push(self, *args, **kwargs) -> dict:
        started = time.perf_counter()
        try:
            return super().push(*args, **kwargs)
        finally:
            self.waited += time.perf_counter() - started


def _first_push_once(work: Path, source: Path, url: str, label: str, runs: bool,
                     from_tables: bool, read_ahead: bool, *,
                     own_process: bool = False) -> tuple[float, float, int, float, float]:
    """rows/s, the client's own seconds (freezing, reading, acknowledging), rows, and the
    CPU seconds of this process and of the server's (own_process)."""
    from push_rounds import cpu_seconds

    from xjwc_desktop.server.process import ServeProcess

    server_db = open_server_database(url)
    process = None
    with contextlib.ExitStack() as stack:
        if own_process:
            server_db.close()
            process = stack.enter_context(ServeProcess(url))
            server_db = open_server_database(url, prepare=False)
            server_url = process.url
        else:
            server_url = stack.enter_context(BackgroundServer(server_db)).url
        # The office loads a workstation's whole data with an admin device: an operator may
        # not add reference rows (inspectors), and every case naming one would be set
        # aside (94,767 conflict records, measured; the old figure measured that storm).
        token = add_device(server_db.engine, f"first-{label}", "admin")[1]
        path = fresh_copy(source, work / f"first-push-{label}.sqlite")
        db = open_database(path)
        with _TimedTransport(server_url, token) as transport:
            client = SyncClient(db, transport)
            client.push_runs = runs
            client.inserts_from_tables = from_tables
            client.read_ahead = read_ahead
            client._hello()
            report = SyncReport()
            server_cpu = cpu_seconds(process.pids()) if process else 0.0
            cpu = time.process_time()
            started = time.perf_counter()
            client._push(report)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            server_cpu = cpu_seconds(process.pids()) - server_cpu if process else 0.0
        db.close()
    server_db.close()
    return (report.pushed / seconds, seconds - transport.waited, report.pushed, cpu,
            server_cpu)


def first_pushes(work: Path, source: Path, args) -> None:
    print(f"   first push of {cases_in(source):,} cases to an empty server "
          "(target ≥ 20,000 rows/s at 100,000)")
    variants = ("new",) if args.no_baseline else \
        ("new", "frozen JSON") + (("one change at a time",) if args.one_by_one else ())
    empty = work / "empty-server.sqlite"
    places = (True,) if args.serve_only else (False, True)  # own_process

    def empty_sqlite() -> str:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{empty}{suffix}").unlink(missing_ok=True)
        return str(empty)

    for own in places:
        first_push(work, source, empty_sqlite, "SQLite", args.repeat, variants,
                   own_process=own)
    if args.pg:
        made: list[str] = []

        def empty_pg() -> str:
            if made:  # one database at a time (each holds the whole demo)
                _drop_pg(made.pop())
            made.append(_create_pg())
            return made[-1]

        try:
            for own in places:
                first_push(work, source, empty_pg, "PostgreSQL", args.repeat, variants,
                           own_process=own)
        finally:
            for url in made:
                _drop_pg(url)


def postgres_copy(src: Path) -> str:
    """The server data in a new PostgreSQL database (dropped by the caller)."""
    from xjwc_desktop.core.sync.rows import db_values, insert_sql, iter_all_rows
    from xjwc_desktop.core.sync.schema import synced_tables

    url = _create_pg()
    pg = open_server_database(url)
    lite = open_database(src)
    with lite.engine.connect() as read, pg.engine.begin() as write:
        for table in synced_tables():
            write.execute(text(f'DELETE FROM "{table.name}"'))
            cols = list(table.columns)
            batch = []
            for row in iter_all_rows(read, table):
                batch.append(db_values("postgresql", table, cols, row))
                if len(batch) == 5000:
                    write.execute(text(insert_sql(table, cols)), batch)
                    batch = []
            if batch:
                write.execute(text(insert_sql(table, cols)), batch)
        write.execute(text("DELETE FROM sync_rows"))
    lite.close()
    pg.close()
    return url


def _create_pg() -> str:
    import psycopg

    name = f"xjwc_bench_{time.time_ns()}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1/{name}"


def _drop_pg(url: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@contextlib.contextmanager
def _pg_database(src: Path):
    url = postgres_copy(src)
    try:
        yield url
    finally:
        _drop_pg(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/xjwc-bench-sync"))
    parser.add_argument("--skip-1m", action="store_true")
    parser.add_argument("--pg", action="store_true", help="also first sync from PostgreSQL")
    parser.add_argument("--only", choices=["first", "edits", "idle", "push", "first-push"],
                        help="one figure only")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of figure 4")
    parser.add_argument("--skip-first-push", action="store_true")
    parser.add_argument("--one-by-one", action="store_true",
                        help="the first push also one change at a time (~100 s a round)")
    parser.add_argument("--workers", default="1,2",
                        help="figure 4: server processes to compare (comma-separated)")
    parser.add_argument("--push-server-cases", type=int, default=SEED_CASES,
                        help="figure 4: cases on the server the workstations push to")
    parser.add_argument("--first-push-cases", type=int, default=100_000,
                        help="cases of the workstation that pushes to an empty server")
    parser.add_argument("--no-baseline", action="store_true",
                        help="the first push by the new path only (growth runs at 3M)")
    parser.add_argument("--serve-only", action="store_true",
                        help="the first push to xjwc serve only, not to a server in this "
                             "process")
    args = parser.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    def hundred() -> Path:  # made once, when a figure needs it
        return demo(work / "demo100k.sqlite", 100_000)

    if args.only in (None, "first"):
        print("1. first sync of 100,000 cases (target ≥ 30,000 rows/s)")
        first_sync(work, str(fresh_copy(hundred(), work / "first-server.sqlite")), "SQLite server")
    if args.pg and args.only in (None, "first"):
        url = postgres_copy(hundred())
        try:
            first_sync(work, url, "PostgreSQL server")
        finally:
            _drop_pg(url)
    if args.only in (None, "edits"):
        print("2. 1,000 edits pushed and pulled (target ≤ 1 s)")
        thousand_edits(work, hundred())
    if args.only in (None, "push"):
        print("4. concurrent pushes: 200 edits from each of 1–20 workstations at once, "
              f"{args.push_server_cases:,} cases on the server (targets at 20: ≥ 6,000 "
              "changes/s PostgreSQL, ≥ 4,000 SQLite, slowest ≤ 0.5 s)")
        seed = demo(work / ("demo-seed.sqlite" if args.push_server_cases == SEED_CASES else
                            f"demo{args.push_server_cases // 1000}k.sqlite"),
                    args.push_server_cases)
        workers = tuple(int(n) for n in args.workers.split(","))
        concurrent_pushes(work, str(fresh_copy(seed, work / "push-server.sqlite")),
                          "SQLite", args.repeat, workers)
        if args.pg:
            with _pg_database(seed) as url:
                concurrent_pushes(work, url, "PostgreSQL", args.repeat, workers)
    if args.only in (None, "push", "first-push") and not args.skip_first_push:
        first_pushes(work, demo(work / f"demo{args.first_push_cases // 1000}k.sqlite",
                                args.first_push_cases), args)
    if not args.skip_1m and args.only in (None, "idle"):
        print("3. sync with nothing to do on 1,000,000 cases (target ≤ 100 ms)")
        idle_sync(work, demo(work / "demo1m.sqlite", 1_000_000))


if __name__ == "__main__":
    main()
