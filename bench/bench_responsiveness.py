"""Responsiveness of the window (issue #12), each figure beside a baseline of the same run.

A probe timer ticks every 5 ms on the GUI thread; the longest gap between two ticks, less
5 ms, is the longest time the window could not answer the operator (a "stall").

1. Longest GUI stall (target ≤ 50 ms) while
   a. a background sync pulls 20,000 changed cases made at another workstation,
   b. ``xjwc import`` writes 10,000 work orders into the same database from another
      process, while the operator clicks through cases,
   c. an export of 100,000 cases runs,
   d. the dashboard refreshes (all periods);
   baseline each time: the same work done on the GUI thread (for b: showing cases with
   the write transactions the window used to read with).
2. A workflow step clicked → list row, map point, case panel (detail, history) updated
   (target ≤ 150 ms, selection and scroll kept, points re-sent to the page: 0); baseline:
   the same step followed by a full reload of the index, list and map (what every write
   did before). The dashboard's refresh after the step is timed beside it.

    .venv/bin/python bench/bench_responsiveness.py [--workdir DIR] [--cases 1000000]
        [--only abcd2] [--runs N] [--why]

``--only`` picks figures (``--only d2``: the dashboard's stall and the step), ``--runs``
repeats them in the same window, ``--why`` prints where the GUI thread was during its stalls
and what the other threads ran meanwhile.

The databases are made once in the work folder and reused (a 1M demo takes a minute).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import text  # noqa: E402

from xjwc_desktop.core import clock  # noqa: E402
from xjwc_desktop.core.changes import Changes  # noqa: E402
from xjwc_desktop.core.storage.database import open_database  # noqa: E402
from xjwc_desktop.core.sync.bootstrap import bootstrap  # noqa: E402
from xjwc_desktop.core.sync.client import SyncClient  # noqa: E402
from xjwc_desktop.core.sync.transport import HttpTransport  # noqa: E402

HERE = Path(__file__).resolve().parent
SEED_CASES = 15_789


def load_bench(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def line(label: str, value: str, baseline: str = "", why: list[str] | None = None) -> None:
    print(f"  {label:<62} {value:>12}   {baseline}", flush=True)
    for site in why or ():
        print(site, flush=True)


class StallProbe:
    """The longest the GUI thread was away, from a 5 ms precise timer."""

    def __init__(self, app) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.app = app
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - 0.005)
        self.last = now

    def reset(self) -> None:
        self.last, self.worst = time.perf_counter(), 0.0
        if getattr(self, "sites", None) is not None:
            self.sites.clear()
            self.sched[:] = [0.0, 0.0, 0]
            self.gc_pauses.clear()

    def ms(self) -> str:
        """The longest stall since :meth:`reset` (with ``--why``: and where it was)."""
        self.explained = self.why_lines()
        return f"{max(self.worst, 0) * 1000:.0f} ms"

    def watch(self) -> None:
        """``--why``: a thread samples the stacks whenever the GUI thread is away for more
        than 25 ms, and prints where the GUI thread was and what the other threads of the
        process ran meanwhile (the GIL's holder among them), so a stall can be found."""
        import collections
        import threading
        import traceback

        main = threading.main_thread().ident
        self.sites: collections.Counter = collections.Counter()
        self.sched = [0.0, 0.0, 0]  # while stalled: ms on a CPU, ms waiting for one, ms seen

        def where(frame, depth: int) -> str:
            stack = traceback.extract_stack(frame)[-depth:]
            return " < ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}"
                              for f in reversed(stack))

        stat = Path(f"/proc/self/task/{threading.main_thread().native_id}/schedstat")
        import gc

        self.gc_pauses: list[tuple[float, int, str]] = []  # ms, generation, thread
        started: dict[int, float] = {}

        def on_gc(phase: str, info: dict) -> None:
            # A collection holds the GIL throughout: every thread, the window's included,
            # waits for it.
            me = threading.get_ident()
            if phase == "start":
                started[me] = time.perf_counter()
            elif me in started:
                ms = (time.perf_counter() - started.pop(me)) * 1000
                if ms > 10:
                    self.gc_pauses.append((ms, info["generation"],
                                           threading.current_thread().name))

        gc.callbacks.append(on_gc)

        def schedstat() -> tuple[int, int]:
            """The GUI thread's time on a CPU and waiting for one (ns, Linux)."""
            try:
                ran, waited, _slices = stat.read_text().split()
                return int(ran), int(waited)
            except (OSError, ValueError):
                return 0, 0

        def sample() -> None:
            names, me = {}, threading.get_ident()
            before = schedstat()
            while True:
                time.sleep(0.01)
                now_stat = schedstat()
                stalled = time.perf_counter() - self.last > 0.025
                if stalled:
                    # Where the GUI thread's time went while it was away: on a CPU (its own
                    # work), waiting for a CPU (the machine), or neither (blocked: the GIL).
                    self.sched[0] += (now_stat[0] - before[0]) / 1e6
                    self.sched[1] += (now_stat[1] - before[1]) / 1e6
                    self.sched[2] += 10
                before = now_stat
                if stalled:
                    frames = sys._current_frames()
                    frame = frames.pop(main, None)
                    if frame is not None:
                        self.sites["GUI " + where(frame, 6)] += 1
                    for ident, other in frames.items():
                        if ident == me:
                            continue
                        if ident not in names:
                            names = {t.ident: t.name for t in threading.enumerate()}
                        top = where(other, 3)
                        if "wait" in top.split(" < ")[0] or "_worker" in top.split(" < ")[0]:
                            continue  # an idle worker
                        self.sites[f"  {names.get(ident, ident)}: {top}"] += 1

        threading.Thread(target=sample, daemon=True).start()

    def why_lines(self) -> list[str]:
        sites = getattr(self, "sites", None) or {}
        lines = [f"      {n * 10:>5} ms  {site}" for site, n in
                 sorted(sites.items(), key=lambda kv: -kv[1])[:12]]
        for ms, generation, thread in sorted(getattr(self, "gc_pauses", []), reverse=True)[:3]:
            lines.append(f"      {ms:>5.0f} ms  garbage collection of generation {generation} "
                         f"in {thread} (every thread waits)")
        if sites and self.sched[2]:
            ran, waited, seen = self.sched
            lines.append(f"      of {seen} ms stalled, the GUI thread ran {ran:.0f} ms, waited "
                         f"for a CPU {waited:.0f} ms, was blocked {seen - ran - waited:.0f} ms "
                         "(the GIL, a lock)")
        return lines


def run_until(app, predicate, timeout: float = 600.0) -> float:
    """Run the event loop until ``predicate()``; returns the seconds it took.

    The loop sleeps until an event comes, as the application's own does, woken at least
    every 2 ms to look at the predicate. (It used to spin ``processEvents`` without
    waiting: a core kept busy in Python, which took the GIL and the CPU from the very
    threads being measured and added 50–150 ms to a step at 1M.)"""
    from PySide6.QtCore import QEventLoop, QTimer

    started = time.perf_counter()
    beat = QTimer()
    beat.start(2)
    try:
        while not predicate():
            if time.perf_counter() - started > timeout:
                raise TimeoutError("benchmark step did not finish")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents
                              | QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        beat.stop()
    return time.perf_counter() - started


def on_gui_thread(app, probe: StallProbe, work) -> str:
    """A baseline: ``work()`` run by the GUI thread itself, as a timer event."""
    from PySide6.QtCore import QTimer

    done = []
    probe.reset()
    QTimer.singleShot(0, lambda: done.append(work()))
    run_until(app, lambda: bool(done))
    run_until(app, lambda: time.perf_counter() - probe.last < 0.004)  # one more tick
    return probe.ms()


# -- setup ----------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_office(work: Path, cases: int):
    """The office server in a process of its own (it must not share this one's GIL with
    the window being measured) and two workstations made from its snapshot."""
    server_file = work / f"server-{cases}.sqlite"
    if not server_file.exists():
        print(f"… making the demo database with {cases:,} cases (once)", flush=True)
        subprocess.run([sys.executable, "-m", "xjwc_desktop", "demo", "--db",
                        str(server_file), "--cases", str(max(cases - SEED_CASES, 0))],
                       check=True, stdout=subprocess.DEVNULL)
    tokens = {}
    for name in ("窗口", "他处"):
        out = subprocess.run([sys.executable, "-m", "xjwc_desktop", "server", "add-device",
                              f"{name}-{time.time_ns()}", "--role", "admin", "--db",
                              str(server_file)], check=True, capture_output=True, text=True)
        tokens[name] = out.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "xjwc_desktop", "serve", "--db",
                               str(server_file), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:  # the server builds its first snapshot before it answers
        try:
            import httpx

            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                break
        except Exception:  # noqa: BLE001 - not listening yet
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.5)
    stations = {}
    for name, token in tokens.items():
        path = work / f"ws-{name}-{cases}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        transport = HttpTransport(url, token)
        bootstrap(path, transport, server_url=url)
        stations[name] = (path, transport, token)
    return server, url, stations


def edit_cases(path: Path, transport, n: int, offset: int) -> None:
    """``n`` cases edited at the other workstation and pushed to the office."""
    db = open_database(path)
    try:
        with db.write() as s:
            s.execute(text(
                "UPDATE cases SET description = coalesce(description, '') || ' 补充' , "
                "updated_at = :now, written_by = :ws WHERE rowid IN "
                "(SELECT rowid FROM cases ORDER BY rowid LIMIT :n OFFSET :o)"),
                {"now": clock.now(), "ws": db.workstation_id, "n": n, "o": offset})
        SyncClient(db, transport).sync()
    finally:
        db.close()


def open_window(app, path: Path, token: str, url: str):
    from PySide6.QtCore import QSettings

    from xjwc_desktop.core.sync import credentials
    from xjwc_desktop.gui.shell.qt_app import build_main_window
    from xjwc_desktop.gui.shell.qt_settings import SYNC_AFTER_WRITE, SYNC_INTERVAL, QtSettingsStore

    os.environ["XJWC_NO_KEYRING"] = "1"
    db = open_database(path)
    credentials.save_token(url, db.workstation_id, token)
    store = QtSettingsStore(QSettings(os.path.join(tempfile.mkdtemp(), "s.ini"),
                                      QSettings.Format.IniFormat))
    store.set(SYNC_INTERVAL, 0)
    store.set(SYNC_AFTER_WRITE, 0)
    window = build_main_window(db, store)
    window.showNormal()
    window.resize(1600, 1000)
    window.show()
    ws = window.workspace
    seconds = run_until(app, lambda: ws.map.is_ready and ws.tasks.idle
                        and ws.sync.controller.status_read)
    print(f"  (window on {path.name} ready in {seconds:.1f} s)", flush=True)
    return db, window


# -- 1. stalls --------------------------------------------------------------------------------
def stall_sync(app, probe, window, db, stations) -> None:
    """a. a sync pulling 20,000 changed cases"""
    ws = window.workspace
    other_path, other_transport, _ = stations["他处"]
    edit_cases(other_path, other_transport, 20_000, 0)
    controller = ws.sync.controller
    syncs = controller.syncs
    probe.reset()
    controller.sync_now()
    seconds = run_until(app, lambda: controller.syncs > syncs and not controller.running
                        and ws.tasks.idle)
    ours, why = probe.ms(), probe.explained
    edit_cases(other_path, other_transport, 20_000, 20_000)
    from xjwc_desktop.core.sync.session import sync_database

    base = on_gui_thread(app, probe, lambda: sync_database(db))
    ws.tasks.announce(Changes.of_everything("cases"))
    run_until(app, lambda: ws.tasks.idle)
    line(f"a. sync pulling 20,000 changed cases ({seconds:.1f} s)", ours, f"baseline {base}",
         why)


def stall_import(app, probe, window, db, stations) -> None:
    """b. another process imports 10,000 orders while the operator clicks through cases"""
    ws = window.workspace
    orders = Path(tempfile.mkdtemp()) / "orders.xlsx"
    load_bench("bench_exchange").make_orders(orders, 10_000)
    rowids = [int(r) for r in ws.case_list.model.rowids[:400]]
    for label, clicker in (("ours", _click_window), ("baseline", _click_on_gui_thread)):
        proc = subprocess.Popen([sys.executable, "-m", "xjwc_desktop", "import", "12345",
                                 str(orders), "--db", str(db.path), "--crs", "gcj02"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        probe.reset()
        clicks = clicker(app, window, db, rowids, lambda p=proc: p.poll() is not None)
        proc.wait()
        result = probe.ms()
        if label == "ours":
            ours, ours_clicks, why = result, clicks, probe.explained
        else:
            base, base_clicks = result, clicks
        # The other process's writes reach the window as a whole new picture.
        ws.tasks.announce(Changes.of_everything("cases"))
        run_until(app, lambda: ws.tasks.idle)
    line(f"b. import of 10,000 rows by another process ({ours_clicks} cases shown)", ours,
         f"baseline {base} ({base_clicks} shown)", why)


def stall_export(app, probe, window, db, stations) -> None:
    """c. an export of 100,000 cases"""
    ws = window.workspace
    from xjwc_desktop.core.exchange import export_cases
    from xjwc_desktop.core.queries.case_list import CaseFilter

    flt = hundred_thousand(db)
    ws.view.set_filter(flt)
    run_until(app, lambda: ws.tasks.idle)
    out = Path(tempfile.mkdtemp())
    dialog = ws.cases.export()
    dialog.format.setCurrentIndex(dialog.format.findData("xlsx"))
    dialog.path.setText(str(out / "ours.xlsx"))
    probe.reset()
    started = time.perf_counter()
    dialog.run()
    run_until(app, lambda: (out / "ours.xlsx").exists() and ws.tasks.idle)
    ours, seconds, why = probe.ms(), time.perf_counter() - started, probe.explained
    dialog.close()

    def export_here():
        with db.reading() as conn:
            export_cases(conn, "xlsx", out / "base.xlsx", flt)

    base = on_gui_thread(app, probe, export_here)
    shown = int(ws.view.mask.sum())
    line(f"c. export of {shown:,} cases to XLSX ({seconds:.1f} s)", ours, f"baseline {base}",
         why)
    ws.view.set_filter(CaseFilter())
    run_until(app, lambda: ws.tasks.idle)


def stall_dashboard(app, probe, window, db, stations) -> None:
    """d. the dashboard refreshing (all periods)"""
    ws = window.workspace
    from xjwc_desktop.core.reporting import dashboard_figures
    from xjwc_desktop.core.stats import Period

    window.show_view(1)
    dash = ws.dashboard
    run_until(app, lambda: dash.dashboard is not None and ws.tasks.idle)
    board = dash.dashboard
    everything = Period(None, None)
    probe.reset()
    started = time.perf_counter()
    board.set_period(everything)
    run_until(app, lambda: ws.tasks.idle and board.figures is not None
              and board.figures["period"]["from"] is None)
    ours, seconds, why = probe.ms(), time.perf_counter() - started, probe.explained
    base = on_gui_thread(app, probe, lambda: dashboard_figures(db, everything))
    line(f"d. dashboard refresh, all periods ({seconds:.2f} s)", ours, f"baseline {base}", why)
    window.show_view(0)
    run_until(app, lambda: ws.tasks.idle)


STALLS = {"a": stall_sync, "b": stall_import, "c": stall_export, "d": stall_dashboard}


def hundred_thousand(db):
    from xjwc_desktop.core.queries.case_list import CaseFilter

    with db.reading() as conn:
        first = conn.exec_driver_sql("SELECT reported_at FROM cases ORDER BY reported_at "
                                     "LIMIT 1 OFFSET 100000").scalar()
    return CaseFilter(date_to=dt.datetime.fromisoformat(first).date() - dt.timedelta(days=1))


def _click_window(app, window, db, rowids, finished) -> int:
    from xjwc_desktop.core.queries.case_ref import CaseRef

    ws, shown = window.workspace, 0
    while not finished():
        rowid = rowids[shown % len(rowids)]
        ws.view.select([rowid], current=CaseRef(rowid))
        run_until(app, lambda r=rowid: (ws.case_panel.snapshot is not None
                                        and ws.case_panel.snapshot.ref.rowid == r) or finished())
        shown += 1
    return shown


def _click_on_gui_thread(app, window, db, rowids, finished) -> int:
    """What the window did before: a read in a write transaction, on the GUI thread."""
    from xjwc_desktop.core.queries.case_ref import CaseRef
    from xjwc_desktop.core.queries.case_snapshot import load_case_snapshot

    shown = 0
    while not finished():
        rowid = rowids[shown % len(rowids)]
        try:
            with db.write() as s:
                load_case_snapshot(s, CaseRef(rowid), db.path)
        except Exception:  # noqa: BLE001 - "database is locked", as operators saw it
            pass
        app.processEvents()
        shown += 1
    return shown


# -- 2. a step --------------------------------------------------------------------------------
def step_figures(app, window, db) -> None:
    print("2. A step clicked → row, map point, detail and history updated (target ≤ 150 ms)")
    ws = window.workspace
    window.show_view(1)  # the dashboard built (it is built when first shown)
    run_until(app, lambda: ws.dashboard.dashboard is not None and ws.tasks.idle)
    window.show_view(0)
    run_until(app, lambda: ws.tasks.idle)
    with db.reading() as conn:
        targets = [r for (r,) in conn.exec_driver_sql(
            "SELECT rowid FROM cases WHERE status = 'reported' ORDER BY reported_at DESC "
            "LIMIT 12")]
    times, base_times, dash_times = [], [], []
    for i, rowid in enumerate(targets):
        baseline = i % 2 == 1
        elapsed, dash = one_step(app, window, rowid, baseline=baseline)
        (base_times if baseline else times).append(elapsed)
        dash_times.append(dash)
    line("step → row, map point, detail, history (median)",
         f"{statistics.median(times) * 1000:.0f} ms",
         f"baseline full reload {statistics.median(base_times) * 1000:.0f} ms")
    line("  selection and scroll kept, points re-sent to the page", "yes, 0",
         "baseline: all points re-sent")
    line("  dashboard tiles refreshed when shown after the step (median)",
         f"{statistics.median(dash_times) * 1000:.0f} ms", "")


def one_step(app, window, rowid: int, *, baseline: bool) -> tuple[float, float]:
    """Register one case from the case panel; seconds until everything shows it, and
    seconds for the dashboard to refresh after it."""
    from xjwc_desktop.core.operations import take_step
    from xjwc_desktop.core.queries.case_ref import CaseRef
    from xjwc_desktop.core.workflow import Action, Actor, Role

    ws = window.workspace
    model = ws.case_list.model
    ws.view.select([rowid], current=CaseRef(rowid))
    run_until(app, lambda: ws.case_panel.snapshot is not None
              and ws.case_panel.snapshot.ref.rowid == rowid and ws.tasks.idle)
    ws.case_list.view.scrollTo(model.index(model.row_of(rowid), 0))
    scroll = ws.case_list.view.verticalScrollBar().value()
    case_id = ws.case_panel.snapshot.case_id
    reloads, patches, writes = ws.map.reloads, ws.map.patches, ws.tasks.writes
    started = time.perf_counter()
    ws.tasks.write(lambda d: take_step(d, case_id, Action.REGISTER, Actor(Role.SUPERVISOR)),
                   initiator=ws.case_panel)
    if baseline:  # before: every write reloaded everything
        run_until(app, lambda: ws.tasks.writes > writes)
        ws.tasks.announce(Changes.of_everything("cases"))

    def row_says_registered() -> bool:
        row = model.row_of(rowid)
        values = model.row_values(row) if row is not None else None
        return values is not None and values[3] == "立案"

    run_until(app, lambda: ws.case_panel.snapshot.status.value == "registered"
              and row_says_registered())
    answers: list[bool] = []
    while not (answers and answers[-1]):
        asked = len(answers)
        ws.map.view.page().runJavaScript(
            f"xjwcProbe.statusAt(xjwcProbe.positionOf({rowid}))", 0,
            lambda v: answers.append(v == 1))
        run_until(app, lambda n=asked: len(answers) > n)
    elapsed = time.perf_counter() - started
    if not baseline:
        assert ws.case_list.view.verticalScrollBar().value() == scroll
        assert ws.view.selection == (rowid,)
        assert (ws.map.reloads, ws.map.patches) == (reloads, patches + 1)
    run_until(app, lambda: ws.tasks.idle)
    # The dashboard's tiles: refreshed when it is looked at (here: at once).
    window.show_view(1)
    board = ws.dashboard.dashboard
    before = board.figures
    t0 = time.perf_counter()
    run_until(app, lambda: board.figures is not before)  # the tiles and charts show it
    dash = time.perf_counter() - t0
    run_until(app, lambda: ws.tasks.idle)  # then hotspots and coverage (not timed here)
    window.show_view(0)
    run_until(app, lambda: ws.tasks.idle)
    return elapsed, dash


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/xjwc-bench-responsiveness")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--why", action="store_true", help="print where the GUI stalled")
    parser.add_argument("--only", default="abcd2",
                        help="the figures to measure: letters of 1a–1d, 2 for the step "
                             "(default all: abcd2)")
    parser.add_argument("--runs", type=int, default=1,
                        help="measure the chosen figures this many times in the same window")
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    print(f"Responsiveness at {args.cases:,} cases; load average {os.getloadavg()}")
    from xjwc_desktop.gui.shell.qt_app import create_application

    app = create_application(headless=True)
    server, url, stations = make_office(work, args.cases)
    path, _transport, token = stations["窗口"]
    db, window = open_window(app, path, token, url)
    probe = StallProbe(app)
    if args.why:
        probe.watch()
    try:
        for run in range(args.runs):
            if args.runs > 1:
                print(f"-- run {run + 1} of {args.runs}; load average {os.getloadavg()}")
            if set(args.only) & set(STALLS):
                print("1. Longest GUI stall (target ≤ 50 ms), baseline: the same on the GUI "
                      "thread")
            for letter, measure in STALLS.items():
                if letter in args.only:
                    measure(app, probe, window, db, stations)
            if "2" in args.only:
                step_figures(app, window, db)
    finally:
        window.close()
        db.close()
        server.terminate()
        server.wait()
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
