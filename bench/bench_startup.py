"""Start-up (issue #15, target 2): process start → window shown → every layer drawn.

Each run is a fresh interpreter started the way ``xjwc --db PATH`` starts the window. It
reports, from the moment the process started (the kernel's start time of the process):

* imported   — the GUI's modules imported,
* shown      — the main window shown,
* index in   — the case index in memory (from its copy in the cache folder when that fits,
  see ``core/queries/case_index_copy.py``; the child says how it was made),
* drawn      — the map says every layer is drawn and the case list is filled;
  "window shown → all layers drawn" is drawn − shown (target ≤ 1.2 s on the demo,
  ≤ 2.0 s at 1M).

Baselines, in the same run, interleaved with ours (ours, whole, cold, each round):

* whole — the page cached but no copy of the case index (deleted before each start), so
  every case is read as every start did before the copy;
* cold  — an empty cache folder: no index copy and the map page built with folium, as every
  start did before the page cache.

    .venv/bin/python bench/bench_startup.py [--runs 5] [--cases 100000 1000000 3000000]
        [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import demo, line, load_line  # noqa: E402

CHILD = r"""
import os, sys, time

def since_start():
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/self/stat") as fh:
        started = int(fh.read().rsplit(")", 1)[1].split()[19]) / ticks
    with open("/proc/uptime") as fh:
        return float(fh.read().split()[0]) - started

base = time.perf_counter() - since_start()
from pathlib import Path
from PySide6.QtCore import QEventLoop, QSettings
from xjwc_desktop.gui.shell.qt_app import build_main_window, create_application
from xjwc_desktop.gui.shell.qt_settings import QtSettingsStore
from xjwc_desktop.core.storage.database import open_database
imported = time.perf_counter() - base
app = create_application(headless=True)
db = open_database(Path(sys.argv[1]))
window = build_main_window(db, QtSettingsStore(QSettings(sys.argv[2], QSettings.Format.IniFormat)))
ws = window.workspace
marks = {}
ws.source.loaded.connect(lambda _i: marks.setdefault("index", time.perf_counter() - base))
window.resize(1366, 768)
window.show()
app.processEvents()
shown = time.perf_counter() - base
while not (ws.map.is_ready and ws.case_list.model.loaded):
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
drawn = time.perf_counter() - base
window.close()
db.close()
import json
print("RESULT", json.dumps({"imported": imported, "shown": shown, "drawn": drawn,
                            "index": marks.get("index", drawn),
                            "how": ws.source.how_loaded}))
"""


def start_once(db: Path, cache: Path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1",
           "XJWC_CACHE_DIR": str(cache)}
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run([sys.executable, "-c", CHILD, str(db), f"{scratch}/s.ini"],
                              env=env, capture_output=True, text=True, check=True)
    result = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(result[len("RESULT "):])


KINDS = ("ours", "whole", "cold")
KEYS = ("imported", "shown", "index", "drawn", "shown→drawn")


def start_kind(db: Path, kind: str, work: Path) -> dict:
    warm_cache = work / "cache-warm"
    if kind == "cold":
        with tempfile.TemporaryDirectory(dir=work) as empty:
            return start_once(db, Path(empty))
    if kind == "whole":
        shutil.rmtree(warm_cache / "case-index", ignore_errors=True)
    return start_once(db, warm_cache)


def report(label: str, db: Path, runs: int, work: Path) -> None:
    load_before = load_line()
    start_kind(db, "ours", work)  # fills the page cache and saves the index's copy once
    got: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for _ in range(runs):
        for kind in KINDS:
            got[kind].append(start_kind(db, kind, work))
    print(f"{label} ({runs} fresh processes each, interleaved, medians; "
          f"before: {load_before}; after: {load_line()})")
    med = {kind: {k: statistics.median(r[k] for r in rows) for k in KEYS[:-1]}
           for kind, rows in got.items()}
    for kind, rows in got.items():
        med[kind]["shown→drawn"] = statistics.median(r["drawn"] - r["shown"] for r in rows)
    for key in KEYS:
        name = "window shown → all drawn" if key == "shown→drawn" else f"process start → {key}"
        line(name, f"{med['ours'][key]:.2f} s",
             f"index read whole {med['whole'][key]:.2f} s, cold cache {med['cold'][key]:.2f} s")
    runs_of = {kind: ", ".join(f"{r['drawn'] - r['shown']:.2f}" for r in rows)
               for kind, rows in got.items()}
    print(f"  shown → drawn per run: ours {runs_of['ours']}; whole {runs_of['whole']}; "
          f"cold {runs_of['cold']}")
    hows = sorted({r["how"] for r in got["ours"]})
    print(f"  our index: {'; '.join(hows)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000_000],
                        help="sizes to start on after the demo (e.g. 100000 1000000 3000000; "
                             "0: the demo only)")
    parser.add_argument("--workdir", default="/tmp/xjwc-bench-startup")
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    report("Demo database", demo(work / "demo.sqlite", 0), args.runs, work)
    for cases in args.cases:
        if cases:
            report(f"{cases:,} cases", demo(work / f"m{cases}.sqlite", cases), args.runs, work)


if __name__ == "__main__":
    main()
