"""One sync of a workstation with the office server: hello, push, pull, check.

Push comes first, so the server judges local edits before anything is pulled over them;
each step commits as it goes, so an interrupted sync resumes where it stopped: frozen
changes are sent again with the same ids (the server applies them once), and the pull
starts at the cursor stored with the last batch that landed.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text

from xjwc_desktop import __version__
from xjwc_desktop.core import clock
from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.exchange.progress import Progress, no_progress
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.storage.database import Database, writing
from xjwc_desktop.core.sync import files, outbox, state
from xjwc_desktop.core.sync.apply import (
    PendingLocalChanges,
    apply_batch,
    applying,
    checkpoint,
    delete_rows,
)
from xjwc_desktop.core.sync.check import Checker
from xjwc_desktop.core.sync.transport import (
    PROTOCOL,
    OutOfOrderPush,
    PushOverLimit,
    ServerFailure,
    SyncError,
    SyncOffline,
)
from xjwc_desktop.core.workflow.attachments import files_folder

CHANGES_LISTED = 20_000  # more changed cases than this: the views reload everything
PUSH_BATCH = 1000
# Rows a pull asks for at once. Parsing an answer holds the GIL (orjson: about 7 µs a row
# here), so a window syncing in the background stalls while it parses: 20,000 rows stalled
# it 150 ms at load 4-5; 5,000 held it 33-56 ms. A catch-up is as fast (the next batch
# downloads while one applies) and holds less memory (bench_catchup: 288 → 173 MB).
PULL_BATCH = 5_000
# Pages the write-ahead log may hold during a pull before a commit copies it into the
# database (SQLite's default: 1,000, fewer than one catch-up batch writes): 80 MB.
PULL_WAL_PAGES = 20_000
RETRIES = 3
RESUMED = ("本机数据库是从较早的备份恢复的（服务器已收到本设备至第 {expected} 条修改）："
           "本机尚未上传的 {waiting} 条修改已重新编号并上传，服务器上较新的数据随后下载。")


@dataclass
class SyncReport:
    """What one sync did (the GUI refreshes from ``changed``)."""

    pushed: int = 0
    conflicts: int = 0
    set_aside: int = 0
    pulled: int = 0
    repaired: int = 0
    seconds: float = 0.0
    changed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step
    pushed_tables: set[str] = field(default_factory=set)
    resumed: str | None = None  # restored from an older copy: what the sync did about it

    @property
    def changes(self) -> Changes:
        """What this sync changed here: pulled rows and rows the server took back."""
        return Changes.of_rows(self.changed, limit=CHANGES_LISTED)

    def summary(self) -> str:
        parts = [f"上传 {self.pushed} 条修改", f"下载 {self.pulled} 条记录"]
        if self.resumed:
            parts.insert(0, self.resumed)
        if self.conflicts:
            parts.append(f"新冲突 {self.conflicts} 条（请在冲突面板处理）")
        if self.set_aside:
            parts.append(f"{self.set_aside} 条未被服务器采用（见冲突记录）")
        if self.repaired:
            parts.append(f"核对后修复 {self.repaired} 条")
        return "，".join(parts) + f"，用时 {self.seconds:.2f} 秒"


class SyncClient:
    """Syncs ``db`` through ``transport`` (see transport.HttpTransport)."""

    def __init__(self, db: Database, transport, *, server_url: str | None = None,
                 progress: Progress | None = None, push_batch: int = PUSH_BATCH,
                 pull_batch: int = PULL_BATCH) -> None:
        self.db = db
        self.transport = transport
        self.server_url = server_url or getattr(transport, "url", None)
        self.progress = progress or no_progress
        self.push_batch = push_batch
        self.pull_batch = pull_batch
        # Many new rows in a row (a first push) go as runs; off: one change at a time
        # (the benchmark's baseline, and after the server refused a push of runs).
        self.push_runs = True
        # New rows are frozen with their id only and read from their tables when sent
        # (outbox.freeze); off: each frozen with its JSON (the benchmark's baseline).
        self.inserts_from_tables = True
        # The next runs are read while the server applies the last (off: the baseline).
        self.read_ahead = True

    # -- the whole sync ------------------------------------------------------------------
    def sync(self, *, verify: bool = False) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()

        def lap(name: str) -> None:
            now = time.perf_counter()
            report.phases[name] = now - started - sum(report.phases.values())

        try:
            self._hello()
            lap("hello")
            self._push(report)
            lap("push")
            pulled = self._pull(report)
            lap("pull")
            checker = Checker(self.db.engine, self.transport, self._apply_rows)
            if verify:
                report.repaired += checker.verify_all()
                with self.db.engine.connect() as conn:
                    ids = [r for (r,) in conn.execute(text("SELECT id FROM case_attachments"))]
                report.repaired += self.fetch_photos(ids)
            elif pulled or report.pushed:
                touched = set(pulled) | report.pushed_tables
                report.repaired += checker.check(pulled, touched)
            lap("check")
        except SyncError as exc:
            self._record_failure(exc)
            raise
        report.seconds = time.perf_counter() - started
        with writing(self.db.engine) as conn:
            state.put(conn, "last_sync_at", clock.now().isoformat(sep=" "))
            state.put(conn, "last_error", None)
            state.put(conn, "offline", "0")
            if self.server_url:
                state.put(conn, "server_url", self.server_url)
        return report

    def _record_failure(self, exc: SyncError) -> None:
        try:
            with writing(self.db.engine) as conn:
                state.put(conn, "last_error", str(exc))
                state.put(conn, "offline", "1" if isinstance(exc, SyncOffline) else "0")
        except Exception:  # noqa: BLE001 - reporting must not hide the real error
            pass

    def _cursor(self) -> int:
        with self.db.engine.connect() as conn:
            return state.get_int(conn, "cursor")

    # -- hello -------------------------------------------------------------------------
    def _hello(self) -> dict[str, Any]:
        with self.db.engine.connect() as conn:
            ws = state.workstation_id(conn)
            known = state.get(conn, "server_id")
        if known and self._server_id() not in (None, known):
            # Before the handshake: a token given for another server is not bound here.
            raise self._other_server()
        info = self.transport.hello({"protocol": PROTOCOL,
                                     "schema_revision": migrate.head_revision(),
                                     "workstation_id": ws, "app_version": __version__})
        device = info["device"]
        with writing(self.db.engine) as conn:
            known = state.get(conn, "server_id")
            if known and known != info["server_id"]:
                raise self._other_server()
            for key in ("name", "role", "zone", "device_no"):
                state.put(conn, f"device_{key}" if key != "device_no" else key, device[key])
            state.put(conn, "server_id", info["server_id"])
            if state.get(conn, "adopted") is None:
                # First sync of this database: rows it holds from before were never sent.
                if state.has_synced_rows(conn):
                    outbox.adopt_existing_rows(conn)
                state.put(conn, "adopted", "1")
        return info

    def _server_id(self) -> str | None:
        """The server's identity from its open status (None from a transport without)."""
        health = getattr(self.transport, "health", None)
        return health().get("server_id") if health else None

    def _other_server(self) -> SyncError:
        return SyncError("本数据库已与另一台服务器同步过，不能再与这台服务器同步"
                         f"（{self.server_url}）。请为这台服务器使用新的数据库。")

    # -- push --------------------------------------------------------------------------
    def _push(self, report: SyncReport) -> None:
        with writing(self.db.engine) as conn:
            waiting = outbox.freeze(conn, inserts_from_tables=self.inserts_from_tables)
        # While the server applies a push of runs, the next runs are read and encoded:
        # a first push then costs the client little beyond the server's time.
        with ThreadPoolExecutor(1, thread_name_prefix="xjwc-push") as ahead:
            self._push_all(report, waiting, ahead)

    def _push_all(self, report: SyncReport, waiting: int, ahead: ThreadPoolExecutor) -> None:
        done = 0
        coming = None  # the next runs, read while the last ones were sent
        while True:
            runs, gone, changes = None, [], []
            if coming is not None:
                runs, gone = coming.result()
                coming = None
            if not runs and self.push_runs:
                runs, gone = self._read_runs(0)
            if not runs:
                with self.db.engine.connect() as conn:
                    changes = outbox.frozen_changes(conn, limit=self.push_batch, gone=gone)
            with self.db.engine.connect() as conn:
                prev = state.get_int(conn, "pushed_through")
            if gone:  # new rows gone without a trace: never sent, nothing to send
                with writing(self.db.engine) as conn:
                    outbox.acknowledge(conn, gone)
            if not changes and not runs:
                if gone:
                    continue
                return
            self.progress(done, waiting, f"上传修改 {done:,}/{waiting:,}")
            photos = [c["row_id"] for c in changes
                      if c["tbl"] == "case_attachments" and c["op"] == "insert"]
            if photos:  # the photo before the row that names it
                with self.db.engine.connect() as conn:
                    files.upload_missing(self.transport,
                                         files.local_files(conn, self.files, photos))
            if runs and self.read_ahead:
                coming = ahead.submit(self._read_runs, runs[-1]["seqs"][-1])
            sent = [i for run in runs for i in run["ids"]] if runs else None
            try:
                answer = self.transport.push(prev, changes, inserts=runs) if runs \
                    else self.transport.push(prev, changes)
            except PushOverLimit as exc:
                coming = _dropped(coming)
                if runs:  # one change at a time, which the lines below make smaller
                    self.push_runs = False
                    continue
                # Too many conflict records for one push: smaller pushes each stay under
                # the server's cap (one change alone never reaches it).
                if exc.limit != "conflicts" or len(changes) == 1:
                    raise
                self.push_batch = max(1, len(changes) // 2)
                continue
            except OutOfOrderPush as exc:
                coming = _dropped(coming)
                if exc.expected <= prev or report.resumed:
                    raise
                self._resume_after(exc.expected, report)
                continue
            except BaseException:
                _dropped(coming)
                raise
            self._acknowledge(_every_result(answer, runs) if runs else answer, report)
            done += len(sent) if sent else len(changes)
            self.progress(done, waiting, f"上传修改 {done:,}/{waiting:,}")

    def _read_runs(self, after: int) -> tuple[list[dict] | None, list[str]]:
        """The frozen runs after change ``after`` (outbox.frozen_runs), each run's rows
        encoded once (the request is then written without walking them again), and the
        new rows gone without a trace."""
        from xjwc_desktop.core.sync.messages import MAX_INSERTS  # with pydantic

        gone: list[str] = []
        with self.db.engine.connect() as conn:
            runs = outbox.frozen_runs(conn, limit=MAX_INSERTS, after=after, gone=gone)
        for run in runs or ():
            run["rows"] = orjson.Fragment(orjson.dumps(run["rows"]))
        return runs, gone

    def _resume_after(self, expected: int, report: SyncReport) -> None:
        """The server has more of this device's changes than this database knows: it was
        restored from an older copy of itself. Its waiting changes are numbered after the
        server's and sent again (the ones the server has are known by their ids)."""
        with writing(self.db.engine) as conn:
            waiting = outbox.resume_after(conn, expected)
            state.put(conn, "pushed_through", expected)
        report.resumed = tr(RESUMED).format(expected=expected, waiting=waiting)

    def _acknowledge(self, answer: dict, report: SyncReport) -> None:
        results = answer["results"]
        drop: dict[str, list[str]] = defaultdict(list)
        for r in results:
            report.pushed_tables.add(r["tbl"])
            if r.get("drop_local"):
                drop[r["tbl"]].append(r["row_id"])
            if not r.get("duplicate"):
                report.pushed += 1
                report.conflicts += r.get("conflicts", 0)
                report.set_aside += r["outcome"] in ("set_aside", "refused")
        with applying(self.db.engine) as conn:
            outbox.acknowledge(conn, [r["id"] for r in results])
            # Children before parents: take back events before the case they belong to.
            for tbl in sorted(drop, key=lambda t: t == "cases"):
                delete_rows(conn, tbl, drop[tbl])
                report.changed[tbl].update(drop[tbl])
            state.put(conn, "pushed_through", answer["pushed_through"])

    # -- pull --------------------------------------------------------------------------
    def _pull(self, report: SyncReport) -> dict[str, set[str]]:
        pulled: dict[str, set[str]] = defaultdict(set)
        # The next batch downloads (and the server reads it) while this one is applied: a
        # long catch-up then takes about as long as the slower of the two, not their sum.
        # At most two batches are held at once, so memory stays flat however far behind.
        with ThreadPoolExecutor(1, thread_name_prefix="xjwc-pull") as ahead:
            coming = ahead.submit(self.transport.pull, self._cursor(), self.pull_batch)
            while True:
                batch = coming.result()
                if batch["more"]:
                    coming = ahead.submit(self.transport.pull, batch["cursor"],
                                          self.pull_batch)
                written = self._apply_batch(batch, report)
                for tbl, ids in written.items():
                    pulled[tbl].update(ids)
                    report.changed[tbl].update(ids)
                    report.pulled += len(ids)
                self.progress(report.pulled, 0, f"已下载 {report.pulled:,} 条记录")
                if not batch["more"]:
                    if report.pulled > self.pull_batch:
                        checkpoint(self.db.engine)
                    self.fetch_photos(pulled.get("case_attachments", ()))
                    return pulled

    @property
    def files(self) -> Path:
        return files_folder(self.db.path)

    def fetch_photos(self, attachment_ids) -> int:
        """Download the photos of these attachment rows that this machine lacks."""
        with self.db.engine.connect() as conn:
            wanted = files.local_files(conn, self.files, attachment_ids)
        return files.download_missing(self.transport, wanted)

    def _apply_batch(self, batch: dict, report: SyncReport) -> dict[str, list[str]]:
        for _attempt in range(RETRIES):
            try:
                return apply_batch(self.db.engine, batch["tables"],
                                   lambda conn: state.put(conn, "cursor", batch["cursor"]),
                                   wal_pages=PULL_WAL_PAGES)
            except PendingLocalChanges:
                # Someone wrote while we pulled: let the server judge that first.
                self._push(report)
        raise SyncError("本机一直有新的修改与下载的记录冲突，同步未完成，请稍后再试。")

    def _apply_rows(self, part: dict) -> list[str]:
        """Apply rows fetched by the check (outside the feed; the cursor stays)."""
        for _attempt in range(RETRIES):
            try:
                return apply_batch(self.db.engine, [part]).get(part["name"], [])
            except PendingLocalChanges:
                self._push(SyncReport())
        raise SyncError("核对时本机一直有新的修改，请稍后再同步一次。")


def _dropped(coming) -> None:
    """Nothing: the runs read ahead are not sent (the push before them did not go in as
    sent; they are read again when their turn comes)."""
    if coming is not None:
        coming.cancel()
        with contextlib.suppress(Exception):  # read again, its error met then
            coming.result()


def _every_result(answer: dict, runs: list[dict]) -> dict:
    """The answer to a push of runs with a result for every change: the server lists only
    the changes that did not simply go in; every other one went in as sent."""
    listed = {r["id"] for r in answer["results"]}
    plain = [{"id": change_id, "tbl": run["tbl"], "outcome": "applied", "drop_local": False,
              "conflicts": 0} for run in runs for change_id in run["ids"]
             if change_id not in listed]
    if len(plain) != answer.get("inserted"):
        raise ServerFailure("服务器对这批新记录的回答与所发的不符（应用条数不对），"
                            "本机数据未改动。")
    return {**answer, "results": answer["results"] + plain}
