"""Figure 4 of bench_sync.py (issue #15): workstations pushing 200 edits each at once.

Each server is ``xjwc serve`` as an office runs it, in its own process(es), all on the one
database at once (each on its own port): the global push lock of the old code (one
process, ``sequencer._SERIAL_PUSHES``), and the server with 1, 2, … worker processes.
Their rounds interleave (1 → 5 → 10 → 20 workstations, each server in turn, the order
reversed every other round), so load from other work falls on all of them alike. The
workstations are separate processes too; each round times the pushes from a common start
signal, and reads the CPU the server's processes spent (``/proc``). "Slowest push" is the
longest push of a round, its median over the rounds (as every target of issue #15 is a
median), printed with the worst round's.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench_common import line, load_line
from sqlalchemy import select

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case
from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.sync.bootstrap import bootstrap
from xjwc_desktop.core.sync.client import SyncClient, SyncReport
from xjwc_desktop.core.sync.transport import HttpTransport
from xjwc_desktop.server.database import open_server_database
from xjwc_desktop.server.devices import add_device
from xjwc_desktop.server.process import ServeProcess

PUSH_EDITS = 200
CLIENT_COUNTS = (1, 5, 10, 20)
GLOBAL_LOCK = "from xjwc_desktop.server import sequencer\nsequencer._SERIAL_PUSHES = True"


@dataclass
class Served:
    """One server under test and what its rounds measured."""

    label: str
    process: ServeProcess
    rounds: dict[int, list[tuple[float, float, float]]] = field(default_factory=dict)
    pushes_by_pid: Counter = field(default_factory=Counter)


def _worker_init(go, ready) -> None:
    global _GO, _READY
    _GO, _READY = go, ready


def _worker_bootstrap(path: str, url: str, token: str) -> None:
    with HttpTransport(url, token) as transport:
        bootstrap(Path(path), transport, server_url=url)
        db = open_database(Path(path))
        SyncClient(db, transport).sync()
        db.close()


def _worker_push(path: str, token: str, url: str, slot: int, rnd: int) -> tuple:
    """Edit this workstation's own 200 cases, wait for the start signal, push them."""
    db = open_database(Path(path))
    with db.write() as s:
        for case in s.scalars(select(Case).order_by(Case.id).offset(slot * PUSH_EDITS)
                              .limit(PUSH_EDITS)):
            case.description = f"第 {rnd} 轮并发修改 {case.case_no}"
            case.updated_at = clock.now()
            case.written_by = db.workstation_id
    with HttpTransport(url, token) as transport:
        client = SyncClient(db, transport)
        client._hello()
        _READY.put(slot)
        _GO.wait()
        report = SyncReport()
        started = time.time()
        client._push(report)
        ended = time.time()
    db.close()
    return started, ended, report.pushed


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (Linux ``/proc``)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def concurrent_pushes(work: Path, url: str, label: str, repeat: int,
                      workers: tuple[int, ...]) -> None:
    ctx = multiprocessing.get_context("spawn")
    go, ready = ctx.Event(), ctx.Queue()
    open_server_database(url).close()  # migrated and fed once, before the servers start
    servers = [Served("global lock, 1 process", ServeProcess(url, setup=GLOBAL_LOCK))]
    servers += [Served(f"{n} process{'es' if n > 1 else ''}", ServeProcess(url, workers=n))
                for n in workers]
    clients = max(CLIENT_COUNTS)
    try:
        for served in servers:
            served.process.start()
        server_db = open_server_database(url, prepare=False)
        stations = []
        for n in range(clients):
            token = add_device(server_db.engine, f"push-{label}-{n}", "operator")[1]
            path = work / f"push-{label}-{n}.sqlite"
            path.unlink(missing_ok=True)
            stations.append((str(path), token))
        server_db.close()
        with ctx.Pool(clients, _worker_init, (go, ready)) as pool:
            pool.starmap(_worker_bootstrap,
                         [(p, servers[0].process.url, t) for p, t in stations])
            rnd = 0
            for round_no in range(repeat):
                for count in CLIENT_COUNTS:
                    order = servers if round_no % 2 == 0 else servers[::-1]
                    for served in order:
                        rnd += 1
                        _round(pool, go, ready, served, stations[:count], rnd)
    finally:
        for served in servers:
            served.process.stop()
    print(f"  ({label}, {repeat} rounds each, medians; {load_line()})")
    base = servers[0]
    for count in CLIENT_COUNTS:
        old = base.rounds[count]
        for served in servers[1:]:
            new = served.rounds[count]
            line(f"{label}, {served.label}: {count:>2} workstations × {PUSH_EDITS}",
                 f"{_median(new, 0):,.0f} changes/s",
                 f"slowest push {_median(new, 1):.2f} s (worst round "
                 f"{max(r[1] for r in new):.2f}), server CPU {_median(new, 2):.2f} s/round; "
                 f"baseline (global lock) {_median(old, 0):,.0f} changes/s, slowest "
                 f"{_median(old, 1):.2f} s (worst {max(r[1] for r in old):.2f}), "
                 f"CPU {_median(old, 2):.2f} s")
    for served in servers[1:]:
        if len(served.pushes_by_pid) > 1:
            shares = sorted(served.pushes_by_pid.values(), reverse=True)
            print(f"  {label}, {served.label}: pushes per worker process {shares}")


def _round(pool, go, ready, served: Served, stations: list, rnd: int) -> None:
    process = served.process
    go.clear()
    jobs = [pool.apply_async(_worker_push, (path, token, process.url, slot, rnd))
            for slot, (path, token) in enumerate(stations)]
    for _ in stations:
        ready.get(timeout=300)
    pushes_before = len(process.entries("push"))
    cpu_before = cpu_seconds(process.pids())
    go.set()
    done = [job.get(timeout=600) for job in jobs]
    cpu = cpu_seconds(process.pids()) - cpu_before
    assert all(d[2] == PUSH_EDITS for d in done), done
    wall = max(d[1] for d in done) - min(d[0] for d in done)
    slowest = max(d[1] - d[0] for d in done)
    served.rounds.setdefault(len(stations), []).append(
        (len(stations) * PUSH_EDITS / wall, slowest, cpu))
    if len(stations) == max(CLIENT_COUNTS):
        served.pushes_by_pid.update(e["pid"] for e in process.entries("push")[pushes_before:])


def _median(rounds: list[tuple[float, float, float]], index: int) -> float:
    return statistics.median(r[index] for r in rounds)
