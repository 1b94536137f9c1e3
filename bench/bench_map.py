"""Map workspace figures at a million cases, printed beside baselines from the same run.

Ours (one process, offscreen, the real main window on the database):
- window shown → all layers drawn (cases, registers, basemap; list filled)
- filter change → map and list updated, for each kind of filter
- pan/zoom → redrawn, per step, in each way cases are drawn
- click on a case → its detail shown
- resident memory of the application and its WebEngine processes

Baselines, each in its own process so they cannot disturb ours:
- a folium page of the same cases as GeoJSON CircleMarkers (canvas renderer) loaded in the
  same QtMapView, at --baseline-cases (it cannot do a million: the page alone would be
  ~150 MB of HTML);
- QGIS (python3-qgis, if installed) rendering the same points from a memory layer.

Usage: python bench/bench_map.py [--db PATH] [--cases 1000000] [--baseline-cases 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_map_baselines import (  # noqa: E402
    TARGETS,
    folium_baseline,
    qgis_baseline,
    rss_tree,
)


def ensure_database(path: Path, cases: int) -> None:
    if path.exists():
        return
    print(f"creating {path} with {cases:,} scale cases …", flush=True)
    subprocess.run([sys.executable, "-m", "xjwc_desktop", "demo", "--db", str(path),
                    "--cases", str(cases)], cwd=ROOT, check=True)


STEPS_JS = """
window.__bench = function (steps) {
  const map = window[XJWC_CONFIG.map];
  const out = [];
  let k = 0;
  window.__benchDone = null;
  function next() {
    if (k >= steps.length) { window.__benchDone = out; return; }
    const s = steps[k++];
    const t0 = performance.now();
    if (s[0] === "pan") map.panBy([s[1], s[2]], { animate: false });
    else map.setZoom(s[1], { animate: false });
    const sync = performance.now() - t0;
    requestAnimationFrame(function () { requestAnimationFrame(function () {
      const d = window.xjwcProbe ? xjwcProbe.drawStats() : { ms: 0, primitives: 0 };
      out.push([sync, performance.now() - t0, d.ms, d.primitives]); setTimeout(next, 30); });
    });
  }
  next();
  return true;
};
true
"""

PAN_ZOOM = [["pan", 300, 0], ["pan", 0, 250], ["pan", -300, 0], ["pan", 0, -250],
            ["zoom", "+1"], ["zoom", "+1"], ["zoom", "-1"], ["zoom", "-1"]]


def rows_selected(case_list) -> int:
    """Rows selected in the list, counted from its selection's ranges (the list's own
    ``selected_rows`` makes every row number and sorts them: 74 ms of the 3M figure was
    this benchmark asking)."""
    ranges = case_list.view.selectionModel().selection()
    return sum(r.bottom() - r.top() + 1 for r in ranges)


def _window(db_path: Path):
    """(app, db, window) on the database, with settings of its own (defaults)."""
    from xjwc_desktop.gui.shell.qt_app import create_application

    app = create_application(headless=True)
    from PySide6.QtCore import QSettings

    from xjwc_desktop.core.storage.database import open_database
    from xjwc_desktop.gui.shell.qt_app import build_main_window
    from xjwc_desktop.gui.shell.qt_settings import QtSettingsStore

    db = open_database(db_path)
    store = QtSettingsStore(QSettings(os.path.join(tempfile.mkdtemp(), "s.ini"),
                                      QSettings.Format.IniFormat))
    return app, db, lambda: build_main_window(db, store)


def _shown(window) -> bool:
    ws = window.workspace
    return ws.map.is_ready and ws.case_list.model.loaded


def first_view(db_path: Path) -> float:
    """Seconds from creating the window to every layer drawn and the list filled."""
    from xjwc_desktop.gui.shell.qt_screenshot import wait_until

    app, db, make = _window(db_path)
    started = time.perf_counter()
    window = make()
    window.resize(1400, 900)
    window.show()
    wait_until(app, lambda: _shown(window), 120)
    elapsed = time.perf_counter() - started
    window.close()
    db.close()
    return elapsed


PAGE_SCRIPT = """
import json, sys, tempfile, time
t0 = time.perf_counter()
from xjwc_desktop.gui.map.web.page import PageOptions, build_map_page
from xjwc_desktop.gui.map.web.page_cache import map_page
t1 = time.perf_counter()
if sys.argv[1] == "build":
    build_map_page(PageOptions())
else:
    map_page(PageOptions(), __import__("pathlib").Path(sys.argv[2]))
t2 = time.perf_counter()
heavy = [m for m in ("folium", "pandas", "branca", "jinja2") if m in sys.modules]
print(json.dumps({"import_s": t1 - t0, "page_s": t2 - t1, "heavy": heavy}))
"""


def page_figures(runs: int = 3) -> dict:
    """The map page's HTML in fresh processes: built with folium (the baseline, as every
    start did) and read from the page cache (after one warm-up build)."""
    cache = tempfile.mkdtemp()

    def once(how: str) -> dict:
        proc = subprocess.run([sys.executable, "-c", PAGE_SCRIPT, how, cache],
                              capture_output=True, text=True, cwd=ROOT, check=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        return json.loads(proc.stdout.strip().splitlines()[-1])

    once("cached")  # warm-up: writes the cache
    return {how: [once(how) for _ in range(runs)] for how in ("build", "cached")}


def ours(db_path: Path) -> dict:
    """Every figure of our window, measured in this process."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from xjwc_desktop.core.queries.case_list import COLUMNS
    from xjwc_desktop.gui.shell.qt_screenshot import wait_until

    out: dict = {}
    app, db, make = _window(db_path)

    def js(script: str):
        box = {}
        ws.map.view.page().runJavaScript(f"JSON.stringify({script})", 0,
                                         lambda v: box.setdefault("v", v))
        wait_until(app, lambda: "v" in box, 30)
        return json.loads(box["v"]) if box.get("v") else None

    def js_raw(script: str) -> None:
        box = {}
        ws.map.view.page().runJavaScript(script, 0, lambda v: box.setdefault("v", v))
        wait_until(app, lambda: "v" in box, 30)

    def frames() -> None:  # until the page has drawn two frames from now
        js("(window.__f = 0, requestAnimationFrame(() => requestAnimationFrame("
           "() => window.__f = 1)), 1)")
        wait_until(app, lambda: js("window.__f") == 1, 30)

    started = time.perf_counter()
    window = make()
    ws = window.workspace
    window.resize(1400, 900)
    window.show()
    wait_until(app, lambda: _shown(window), 120)
    out["first_draw_s"] = time.perf_counter() - started
    out["cases"] = js("xjwc.totalCases()")
    panel = ws.filters
    wait_until(app, lambda: panel.isEnabled() and ws.tasks.idle, 120)

    def timed_filter(action) -> float:
        t0 = time.perf_counter()
        action()
        wait_until(app, lambda: ws.view.mask is not None and ws.tasks.idle
                   and ws.map.applied_mask_version == ws.view.mask_version, 60)
        return time.perf_counter() - t0

    def choose(box, value):
        return lambda: box.setCurrentIndex(
            next(i for i in range(box.count()) if box.itemData(i) == value))

    actions = {
        "status 派遣": lambda: panel.status_checks["dispatched"].setChecked(True),
        "source 12345": lambda: panel.source_checks["hotline"].setChecked(True),
        "zone north": choose(panel.zone_box, "north"),
        "unit grid (community)": lambda: panel.grid_edit.setText("310110020001"),
        "date range": lambda: (panel.date_check.setChecked(True)),
    }
    out["filters"] = {}
    for name, action in actions.items():
        out["filters"][name] = timed_filter(action)
        out["filters"][name + " → reset"] = timed_filter(panel.reset)

    # Pan/zoom steps in each drawing mode; a step ends when two frames have been shown.
    # Point mode twice: with its level of detail and drawing every case (the baseline).
    js_raw(STEPS_JS)
    out["steps"] = {}
    scenarios = [("auto, street (clusters)", "auto", None, True),
                 ("auto, zoom 16 (clusters)", "auto", (31.3300, 121.5050, 16), True),
                 ("auto, zoom 18 (points)", "auto", (31.3300, 121.5050, 18), True),
                 ("points, street, LOD", "points", None, True),
                 ("points, street, every case", "points", None, False),
                 ("points, zoom 16, LOD", "points", (31.3300, 121.5050, 16), True),
                 ("points, zoom 16, every case", "points", (31.3300, 121.5050, 16), False),
                 ("cluster, street", "cluster", None, True),
                 ("heatmap, street, LOD", "heatmap", None, True),
                 ("heatmap, street, every case", "heatmap", None, False)]
    for name, mode, view, lod in scenarios:
        ws.layers.mode_box.setCurrentIndex(ws.layers.mode_box.findData(mode))
        js(f"xjwcProbe.setLod({json.dumps(lod)})")
        if view:
            js(f"xjwc.setView({view[0]}, {view[1]}, {view[2]})")
        else:
            js("xjwc.fitStreet()")
        frames()
        # The operator looks at the view a moment before the first step: the zooms either
        # side are counted meanwhile, in idle slices (case_density.js, cases.js "warm").
        warmed = wait_until(app, lambda: js("xjwcProbe.warmingCount()") == 0, 30)
        zoom = js("xjwc.view().zoom")
        steps = [s if s[0] == "pan" else ["zoom", zoom + (1 if s[1] == "+1" else 0)]
                 for s in PAN_ZOOM]
        steps[-1] = ["zoom", zoom]
        js(f"window.__bench({json.dumps(steps)})")
        if not wait_until(app, lambda: js("window.__benchDone") is not None, 120):
            raise SystemExit("pan/zoom steps did not finish")
        done = js("window.__benchDone")
        out["steps"][name] = {"sync_ms": [d[0] for d in done], "frame_ms": [d[1] for d in done],
                              "script_ms": [d[2] for d in done],
                              "primitives": [d[3] for d in done],
                              "mode": js("xjwc.drawnMode()"), "warmed": warmed}
    js("xjwcProbe.setLod(true)")
    ws.layers.mode_box.setCurrentIndex(ws.layers.mode_box.findData("auto"))

    # Click → detail: cases picked across the list, clicked where the map draws them.
    model = ws.case_list.model
    clicks = []
    shown_at: dict = {}
    ws.case_panel.shown.connect(lambda *_a: shown_at.setdefault("t", time.perf_counter()))
    for k in range(10):
        rowid = model.rowid_at(k * model.rowCount() // 10)
        lat, lon = js(f"xjwc.latLngOf({rowid})")
        js(f"xjwc.setView({lat}, {lon}, 18)")
        frames()
        x, y = js(f"xjwc.containerPointOf({rowid})")
        shown_at.clear()
        t0 = time.perf_counter()
        QTest.mouseClick(ws.map.view.focusProxy(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))
        wait_until(app, lambda: "t" in shown_at, 10)
        clicks.append(shown_at.get("t", time.perf_counter()) - t0)
    out["click_s"] = clicks

    # Box select over a busy part of the street, from the drag's end to rows selected.
    # The box inside the map (as a drag's always is); timed from the call into the page to
    # the rows selected in the list, with the page's own part (finding the cases, ringing
    # them) beside it.
    boxes = []
    w, h = ws.map.view.width(), ws.map.view.height()
    box = (100, 100, min(600, w - 10), min(500, h - 10))
    for _ in range(5):
        ws.view.clear_selection()  # nothing selected, no case on show (it would be)
        ws.view.set_subset(None)
        wait_until(app, lambda: ws.case_list.selected_rows().size == 0 and ws.tasks.idle
                   and not ws.view.selection, 30)
        js("xjwc.setView(31.3300, 121.5050, 16)")
        frames()
        page: dict = {}
        t0 = time.perf_counter()
        ws.map.view.page().runJavaScript(
            "JSON.stringify((function () { const t = performance.now(); const n = xjwc.boxSelect("
            f"{box[0]}, {box[1]}, {box[2]}, {box[3]}); return [n, performance.now() - t]; }})())",
            0, lambda v, page=page: page.setdefault("v", v))
        wait_until(app, lambda: len(ws.view.selection) > 1
                   and rows_selected(ws.case_list) == len(ws.view.selection), 30)
        elapsed = time.perf_counter() - t0
        wait_until(app, lambda page=page: "v" in page, 30)
        boxes.append((len(ws.view.selection), elapsed, json.loads(page["v"])[1] / 1000))
    out["box"] = boxes
    ws.view.set_subset(None)

    sort_key = next(i for i, c in enumerate(COLUMNS) if c.key == "category")
    t0 = time.perf_counter()
    ws.case_list.view.sortByColumn(sort_key, Qt.SortOrder.AscendingOrder)
    app.processEvents()
    out["sort_category_s"] = time.perf_counter() - t0
    out["memory"] = rss_tree(os.getpid())
    window.close()
    db.close()
    return out


def ms(values) -> str:
    values = list(values)
    return f"median {statistics.median(values):6.1f} ms, max {max(values):6.1f} ms"


def report(o: dict, folium: dict | None, qgis: dict | None, page: dict | None, args) -> None:
    t = TARGETS
    ok = lambda good: "OK " if good else "MISS"  # noqa: E731
    med = statistics.median
    print()
    print(f"Map workspace on {o['cases']:,} cases (offscreen, {os.cpu_count()} cores)")
    print("-" * 78)
    runs = ", ".join(f"{v:.2f}" for v in o["first_runs"])
    print(f"[{ok(o['first_draw_s'] <= t['first'])}] window shown → all layers drawn: "
          f"median {o['first_draw_s']:.2f} s of {len(o['first_runs'])} fresh processes "
          f"({runs})   (target ≤ {t['first']} s)")
    if page:
        build, cached = page["build"], page["cached"]
        print(f"       map page HTML in a fresh process: from the page cache "
              f"{med(r['page_s'] for r in cached) * 1000:.0f} ms, imports "
              f"{med(r['import_s'] for r in cached) * 1000:.0f} ms, heavy modules "
              f"{cached[0]['heavy'] or 'none'}")
        print(f"         baseline, built with folium as every start did: "
              f"{med(r['page_s'] for r in build) * 1000:.0f} ms (folium, pandas, branca, "
              f"jinja2 imported: {build[0]['heavy']})")
    worst = max(o["filters"].values())
    print(f"[{ok(worst <= t['filter'])}] filter change → map and list updated "
          f"(target ≤ {t['filter']} s): worst {worst:.3f} s")
    for name, value in o["filters"].items():
        print(f"         {name:28s} {value * 1000:7.0f} ms")
    ours = {k: v for k, v in o["steps"].items() if "every case" not in k}
    frame_worst = max(max(s["frame_ms"]) for s in ours.values())
    print(f"[{ok(frame_worst <= t['step_ms'])}] pan/zoom → redrawn, per step, every mode "
          f"(target ≤ {t['step_ms']} ms): worst {frame_worst:.0f} ms to the second frame")
    for name, s in o["steps"].items():
        tag = "  baseline" if "every case" in name else ""
        print(f"         {name:30s} shown {ms(s['frame_ms'])}; script {ms(s['script_ms'])}; "
              f"primitives median {med(s['primitives']):,.0f}{tag}")
    worst_click = max(o["click_s"]) * 1000
    print(f"[{ok(worst_click <= t['click_ms'])}] click → case detail (target ≤ {t['click_ms']} "
          f"ms): {ms(v * 1000 for v in o['click_s'])}")
    rss, pss = o["memory"]
    print(f"[{ok(rss <= t['rss_gb'] * 1e9)}] resident memory, app + WebEngine processes: "
          f"RSS {rss / 1e9:.2f} GB (PSS {pss / 1e9:.2f} GB)   (target ≤ {t['rss_gb']} GB)")
    n = o["box"][0][0]
    box_ms = [b[1] * 1000 for b in o["box"]]
    print(f"[{ok(med(box_ms) <= t['box_ms'])}] box select of {n:,} cases → rows selected "
          f"(target ≤ {t['box_ms']} ms): {ms(box_ms)}; of which the page "
          f"{ms(b[2] * 1000 for b in o['box'])}")
    print(f"       sort list by category: {o['sort_category_s'] * 1000:.0f} ms")
    print()
    load = os.getloadavg()
    print(f"       machine load average during the run: {load[0]:.1f} / {load[1]:.1f} "
          f"(1 / 5 min; 2 cores — above ~0.5 other work shares them)")
    print()
    print("Baselines (same machine, same run)")
    print("-" * 78)
    if folium:
        print(f"folium GeoJSON CircleMarkers, {folium['cases']:,} cases, same QWebEngineView: "
              f"build {folium['build_s']:.2f} s + load {folium['load_s']:.2f} s "
              f"= {folium['build_s'] + folium['load_s']:.2f} s (HTML {folium['html_mb']:.0f} MB)")
        if folium.get("frame_ms"):
            print(f"         pan/zoom step: {ms(folium['frame_ms'])};  "
                  f"a filter change means rebuilding the page")
    else:
        print("folium baseline: skipped")
    if qgis and "error" not in qgis:
        print(f"QGIS {qgis['version']} (memory layer, {qgis['cases']:,} points, one symbol): "
              f"load {qgis['load_s']:.2f} s, full-extent render {qgis['full_s']:.2f} s, "
              f"zoomed-in render {qgis['zoom_s']:.2f} s (best of 3, warm)")
    else:
        print("QGIS baseline: " + (qgis or {}).get("error", "skipped"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/work/scratch/m1.sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--baseline-cases", type=int, default=100_000)
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--first-view-runs", type=int, default=3,
                        help="fresh processes measuring the first view (median reported)")
    parser.add_argument("--part", choices=["ours", "folium", "first", "page"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    db = Path(args.db)
    if args.part == "ours":
        print(json.dumps(ours(db)))
        return
    if args.part == "first":
        print(json.dumps(first_view(db)))
        return
    if args.part == "page":
        print(json.dumps(page_figures()))
        return
    if args.part == "folium":
        print(json.dumps(folium_baseline(db, args.baseline_cases, STEPS_JS, PAN_ZOOM)))
        return
    ensure_database(db, args.cases)

    def part(name: str) -> dict:
        proc = subprocess.run([sys.executable, __file__, "--db", str(db), "--part", name,
                               "--baseline-cases", str(args.baseline_cases)],
                              capture_output=True, text=True, cwd=ROOT, timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    firsts = [part("first") for _ in range(args.first_view_runs)]
    o = part("ours")
    o["first_runs"] = [*firsts, o["first_draw_s"]]
    o["first_draw_s"] = statistics.median(o["first_runs"])
    page = part("page")
    folium = qgis = None
    if not args.skip_baselines:
        folium = part("folium")
        qgis = qgis_baseline(db)
    report(o, folium, qgis, page, args)


if __name__ == "__main__":
    main()
