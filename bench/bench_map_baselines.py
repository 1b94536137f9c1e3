"""Baselines and helpers for bench_map.py: a naive folium page, QGIS, memory accounting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

TARGETS = {"first": 2.0, "filter": 0.5, "step_ms": 100, "click_ms": 50, "rss_gb": 1.5,
           "box_ms": 200}


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return kids


def rss_tree(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of ``pid`` and all its descendants (the WebEngine processes).

    RSS counts shared pages once per process, so it overstates; PSS shares them out.
    """
    todo, rss, pss = [pid], 0, 0
    while todo:
        p = todo.pop()
        todo.extend(_children(p))
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


def _sample_cases(db: Path, n: int) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        # Every k-th case: the sample covers the street as the full set does.
        total = conn.execute("SELECT count(*) FROM cases WHERE deleted_at IS NULL").fetchone()[0]
        step = max(1, total // n)
        return conn.execute(
            "SELECT lon, lat, status, case_no FROM cases WHERE deleted_at IS NULL "
            "AND rowid % ? = 0 LIMIT ?", (step, n)).fetchall()
    finally:
        conn.close()


def folium_baseline(db: Path, n: int, steps_js: str, pan_zoom: list) -> dict:
    """The naive page: folium GeoJSON with a CircleMarker per case, in our QtMapView."""
    import folium

    rows = _sample_cases(db, n)
    started = time.perf_counter()
    m = folium.Map(location=(31.3290, 121.5075), zoom_start=14, tiles=None, prefer_canvas=True)
    m.default_js = [("leaflet", "xjwc://app/assets/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", "xjwc://app/assets/leaflet/leaflet.css")]
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"status": status, "case_no": case_no}}
        for lon, lat, status, case_no in rows]}
    # One style for all: folium turns a per-feature style_function into a switch over
    # feature ids that every feature runs through (quadratic: 183 s to load 100k here).
    folium.GeoJson(data, marker=folium.CircleMarker(radius=3, fill=True, weight=1,
                                                    color="#27ae60", fill_opacity=0.8),
                   tooltip=folium.GeoJsonTooltip(["case_no"])).add_to(m)
    html = m.get_root().render().encode()
    build_s = time.perf_counter() - started

    from xjwc_desktop.gui.shell.qt_app import create_application

    app = create_application(headless=True)
    from PySide6.QtCore import QUrl

    from xjwc_desktop.gui.map.qt_map_view import QtMapView
    from xjwc_desktop.gui.shell.qt_screenshot import wait_until

    view = QtMapView(lambda: {})
    view.scheme_handler.add_route("folium.html", lambda: html, "text/html")
    view.resize(1000, 850)
    view.show()
    finished = {}
    view.loadFinished.connect(lambda ok: finished.setdefault("ok", ok))
    t0 = time.perf_counter()
    view.load(QUrl("xjwc://app/folium.html"))
    wait_until(app, lambda: "ok" in finished, 600)

    def js(script: str):
        box = {}
        view.page().runJavaScript(f"JSON.stringify({script})", 0,
                                  lambda v: box.setdefault("v", v))
        wait_until(app, lambda: "v" in box, 120)
        return json.loads(box["v"]) if box.get("v") else None

    js("(requestAnimationFrame(() => requestAnimationFrame(() => window.__painted = 1)), 1)")
    wait_until(app, lambda: js("window.__painted || 0") == 1, 120)
    load_s = time.perf_counter() - t0
    js(f"(window.XJWC_CONFIG = {{map: {json.dumps(m.get_name())}}}, 1)")
    box = {}
    view.page().runJavaScript(steps_js, 0, lambda v: box.setdefault("v", v))
    wait_until(app, lambda: "v" in box, 60)
    zoom = js(f"window[{json.dumps(m.get_name())}].getZoom()")
    steps = [s if s[0] == "pan" else ["zoom", zoom + (1 if s[1] == "+1" else 0)]
             for s in pan_zoom]
    steps[-1] = ["zoom", zoom]
    js(f"window.__bench({json.dumps(steps)})")
    wait_until(app, lambda: js("window.__benchDone") is not None, 600)
    done = js("window.__benchDone") or []
    memory = rss_tree(os.getpid())
    view.dispose()
    return {"cases": len(rows), "build_s": build_s, "load_s": load_s,
            "html_mb": len(html) / 1e6, "frame_ms": [d[1] for d in done], "memory": memory}


QGIS_SCRIPT = r"""
import json, sqlite3, sys, time
from qgis.core import (Qgis, QgsApplication, QgsFeature, QgsGeometry, QgsMapRendererParallelJob,
                       QgsMapSettings, QgsPointXY, QgsRectangle, QgsVectorLayer,
                       QgsCoordinateReferenceSystem)
from qgis.PyQt.QtCore import QSize
app = QgsApplication([], False)
app.initQgis()
conn = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
t0 = time.perf_counter()
rows = conn.execute("SELECT lon, lat FROM cases WHERE deleted_at IS NULL").fetchall()
layer = QgsVectorLayer("Point?crs=EPSG:4326", "cases", "memory")
feats = []
for lon, lat in rows:
    f = QgsFeature()
    f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
    feats.append(f)
layer.dataProvider().addFeatures(feats)
layer.updateExtents()
load = time.perf_counter() - t0
def render(extent):
    s = QgsMapSettings()
    s.setLayers([layer])
    s.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    s.setOutputSize(QSize(1000, 850))
    s.setExtent(extent)
    job = QgsMapRendererParallelJob(s)
    t = time.perf_counter()
    job.start(); job.waitForFinished()
    return time.perf_counter() - t
render(layer.extent())  # warm caches, as a user's second look would
full = min(render(layer.extent()) for _ in range(3))
c = layer.extent().center()
zoom = min(render(QgsRectangle(c.x() - 0.004, c.y() - 0.003, c.x() + 0.004, c.y() + 0.003))
           for _ in range(3))
print(json.dumps({"version": Qgis.version(), "cases": len(rows), "load_s": load,
                  "full_s": full, "zoom_s": zoom}))
"""


def qgis_baseline(db: Path) -> dict:
    """QGIS rendering the same points (system python3 with python3-qgis), if installed."""
    python = "/usr/bin/python3"
    probe = subprocess.run([python, "-c", "import qgis.core"], capture_output=True)
    if probe.returncode != 0:
        return {"error": "python3-qgis is not installed (apt-get install python3-qgis)"}
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([python, "-c", QGIS_SCRIPT, str(db)], capture_output=True,
                          text=True, env=env, timeout=1800)
    if proc.returncode != 0:
        return {"error": "QGIS failed: " + proc.stderr[-500:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(qgis_baseline(Path(sys.argv[1]))))
