"""Catch-up pull of a long-offline workstation (issue #15, target ≥ 30,000 rows/s, memory flat).

A workstation made from the office server's snapshot goes offline; meanwhile the server
takes ``--changes`` changes (half edits of existing cases, half new cases, as another
workstation would push them: rows and feed entries with new sequence numbers). Then the
workstation syncs and pulls them all through the change feed. The server runs as
``xjwc serve`` in its own process, as it would on its own machine.

Printed: rows/s of the whole sync and of its pull phase, the peak memory the sync added,
and the same catch-up with the apply path and pull loop of the code before this work
(``BASELINE_COMMIT``, loaded from git) on an identical copy, in the same run: each in a
process of its own, in the order ours, baseline, baseline, ours, the best of each two
printed; and that both workstations end with exactly the server's rows (content hashes of
every synced table).

    .venv/bin/python bench/bench_catchup.py [--cases 100000 1000000] [--changes 200000]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import demo, line, load_line
from sqlalchemy import text

from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.sync.bootstrap import bootstrap
from xjwc_desktop.core.sync.client import SyncClient
from xjwc_desktop.core.sync.rows import table_digests
from xjwc_desktop.core.sync.transport import HttpTransport
from xjwc_desktop.server.database import open_server_database, recount
from xjwc_desktop.server.devices import add_device
from xjwc_desktop.server.snapshot import SnapshotCache

BASELINE_COMMIT = "dafb080"  # main before issue #15
ROOT = Path(__file__).resolve().parents[1]


def serve(path: Path, port: int) -> subprocess.Popen:
    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "xjwc_desktop", "serve", "--db", str(path),
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def server_changes(path: Path, changes: int) -> None:
    """``changes`` rows changed on the server since the workstations' snapshot: half edits
    of existing cases (description, status, times), half new cases; each with a new
    sequence number in the feed, as pushes would leave them."""
    edits, new = changes - changes // 2, changes // 2
    db = open_server_database(str(path))
    with db.engine.begin() as conn:
        seq = conn.execute(text("SELECT max(seq) FROM sync_rows")).scalar()
        conn.execute(text(
            "UPDATE cases SET description = description || '（复核）', status = 'closed', "
            "updated_at = '2026-12-01 09:00:00.000000', written_by = 'bench-other' "
            "WHERE rowid IN (SELECT rowid FROM cases ORDER BY rowid DESC LIMIT :n)"),
            {"n": edits})
        cols = [r[1] for r in conn.execute(text("PRAGMA table_info(cases)"))]
        # Time-ordered ids, as uuid7 gives every workstation's new rows.
        fresh = {"id": "printf('%012x', 1796083200000 + rowid) || lower(hex(randomblob(10)))",
                 "case_no": "'XJB' || printf('%013d', rowid)", "external_no": "NULL",
                 "created_at": "'2026-12-01 09:00:00.000000'",
                 "updated_at": "'2026-12-01 09:00:00.000000'"}
        conn.execute(text(
            f"INSERT INTO cases ({', '.join(cols)}) SELECT "
            f"{', '.join(fresh.get(c, c) for c in cols)} FROM cases ORDER BY rowid LIMIT :n"),
            {"n": new})
        conn.execute(text(
            "INSERT INTO sync_rows (tbl, row_id, seq, device_id, verbatim) "
            "SELECT 'cases', id, :seq + row_number() OVER (ORDER BY rowid), NULL, 0 FROM ("
            "SELECT rowid, id FROM cases WHERE updated_at = '2026-12-01 09:00:00.000000') "
            "WHERE true ON CONFLICT (tbl, row_id) DO UPDATE SET seq = excluded.seq"),
            {"seq": seq})
        recount(conn)
    db.close()


def settle_snapshot(path: Path) -> None:
    """Bring the server's snapshot up to its feed before the server starts: ``xjwc serve``
    refreshes it in the background at start, and the 200k changes made it apply as much as
    a catch-up, beside the first timed runs (ours first in ABBA: an unfair handicap)."""
    server = open_server_database(str(path))
    try:
        SnapshotCache(server).refresh()
    finally:
        server.close()


def baseline_modules(work: Path):
    """The pull loop and apply path of BASELINE_COMMIT, as module objects."""
    folder = work / "baseline-src"
    folder.mkdir(exist_ok=True)
    out = {}
    for name in ("apply", "client"):
        source = subprocess.run(["git", "-C", str(ROOT), "show",
                                 f"{BASELINE_COMMIT}:xjwc_desktop/core/sync/{name}.py"],
                                check=True, capture_output=True, text=True).stdout
        file = folder / f"baseline_{name}.py"
        file.write_text(source.replace("from xjwc_desktop.core.sync.apply import",
                                       "from baseline_apply import"))
        sys.path.insert(0, str(folder))
        spec = importlib.util.spec_from_file_location(f"baseline_{name}", file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[f"baseline_{name}"] = module
        spec.loader.exec_module(module)
        out[name] = module
    return out


def catch_up(ws_file: Path, url: str, token: str, client_class=SyncClient) -> dict:
    """Sync the offline workstation: seconds, pull seconds, rows pulled, peak memory (MB)."""
    db = open_database(ws_file)
    with HttpTransport(url, token) as transport:
        started = time.perf_counter()
        report = client_class(db, transport).sync()
        seconds = time.perf_counter() - started
    db.close()
    return {"seconds": seconds, "pull": report.phases["pull"], "rows": report.pulled,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def catch_up_apart(which: str, ws_file: Path, url: str, token: str, work: Path) -> dict:
    """:func:`catch_up` in a process of its own (fair memory figures, no warm-up shared)."""
    out = subprocess.run([sys.executable, __file__, "--one", which, "--ws", str(ws_file),
                          "--url", url, "--token", token, "--workdir", str(work)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def same_rows(server_file: Path, ws_file: Path) -> bool:
    server = open_server_database(str(server_file))
    ws = open_database(ws_file)
    try:
        with server.engine.connect() as a, ws.engine.connect() as b:
            return table_digests(a) == table_digests(b)
    finally:
        server.close()
        ws.close()


def run(work: Path, cases: int, changes: int) -> None:
    source = demo(work / f"demo{cases // 1000}k.sqlite", cases)
    server_file = work / "catchup-server.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{server_file}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(f"{server_file}.snapshots", ignore_errors=True)
    shutil.copyfile(source, server_file)
    server = open_server_database(str(server_file))
    token = add_device(server.engine, f"offline-{time.time_ns()}", "operator")[1]
    server.close()
    port = 18765
    proc = serve(server_file, port)
    url = f"http://127.0.0.1:{port}"
    try:
        ours, theirs = work / "catchup-ours.sqlite", work / "catchup-baseline.sqlite"
        ours.unlink(missing_ok=True)
        with HttpTransport(url, token) as transport:
            bootstrap(ours, transport, server_url=url)
        db = open_database(ours)
        with HttpTransport(url, token) as transport:
            SyncClient(db, transport).sync()  # adopted, up to date: now it goes offline
        db.close()
        shutil.copyfile(ours, theirs)
        shutil.copyfile(ours, work / "catchup-offline.sqlite")  # for reruns and profiles
        proc.terminate()
        proc.wait()
        server_changes(server_file, changes)
        settle_snapshot(server_file)
        proc = serve(server_file, port)
        print(f"{cases:,} cases on the server, {changes:,} changes while offline "
              f"({load_line()})")
        offline = work / "catchup-offline.sqlite"
        runs: dict[str, list[dict]] = {"ours": [], "baseline": []}
        for which in ("ours", "baseline", "baseline", "ours"):  # ABBA: fair to both
            target = ours if which == "ours" else theirs
            shutil.copyfile(offline, target)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            runs[which].append(catch_up_apart(which, target, url, token, work))
        def best(which: str, key: str) -> float:
            return min(r[key] for r in runs[which])
        rows = runs["ours"][0]["rows"]
        s, bs = best("ours", "seconds"), best("baseline", "seconds")
        p, bp = best("ours", "pull"), best("baseline", "pull")
        line(f"catch-up sync, {rows:,} rows pulled (best of 2)", f"{rows / s:,.0f} rows/s",
             f"baseline {runs['baseline'][0]['rows'] / bs:,.0f} rows/s ({bs / s:.1f}× ours)")
        line("  its pull phase alone", f"{rows / p:,.0f} rows/s",
             f"baseline {rows / bp:,.0f} rows/s; whole sync {s:.1f} s vs {bs:.1f} s")
        line("  peak memory of the syncing process", f"{best('ours', 'peak_mb'):,.0f} MB",
             f"baseline {best('baseline', 'peak_mb'):,.0f} MB")
        line("  every synced table equals the server's", str(same_rows(server_file, ours)),
             f"baseline: {same_rows(server_file, theirs)}")
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path,
                        default=Path(os.environ.get("XJWC_BENCH_DIR",
                                                    tempfile.gettempdir())) / "xjwc-bench")
    parser.add_argument("--cases", type=int, nargs="+", default=[100_000])
    parser.add_argument("--changes", type=int, default=200_000)
    parser.add_argument("--one", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--ws", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.one:
        klass = SyncClient if args.one == "ours" else \
            baseline_modules(args.workdir)["client"].SyncClient
        print(json.dumps(catch_up(args.ws, args.url, args.token, klass)))
        return
    for cases in args.cases:
        run(args.workdir, cases, args.changes)


if __name__ == "__main__":
    main()
