"""A self-contained web map of the exported cases: one HTML file that opens offline.

folium builds the page; its default assets are CDN URLs, which would leave a blank map
on a workstation without internet (and send the user's browser out to the CDN), so they
are replaced by Leaflet itself, inlined from the ``XStatic-Leaflet`` package, with the
icons it references embedded as data URLs. The street's layers are drawn from ``maps/``;
there are no tiles. Every text that comes from a case is HTML-escaped here, because
folium's popups put values into ``innerHTML``: a description reading
``<img src=x onerror=alert(1)>`` must show as those characters, not run.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
from sqlalchemy import Connection

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange.atomic import atomic_output
from xjwc_desktop.core.exchange.columns import ExportColumn
from xjwc_desktop.core.exchange.progress import Progress, Throttle
from xjwc_desktop.core.exchange.rows import count_cases
from xjwc_desktop.core.exchange.selection import SqlFilter
from xjwc_desktop.core.exchange.table import fetch_cases
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.model import CaseStatus

MAX_CASES = 50_000  # a browser draws this many circles smoothly; more belongs in a GIS
CENTER = (31.3290, 121.5075)
ATTRIBUTION = "地图数据 © OpenStreetMap contributors, ODbL 1.0"
STATUS_COLOURS = {
    CaseStatus.REPORTED.label: "#e67e22", CaseStatus.REGISTERED.label: "#f1c40f",
    CaseStatus.DISPATCHED.label: "#e74c3c", CaseStatus.HANDLED.label: "#9b59b6",
    CaseStatus.VERIFIED.label: "#3498db", CaseStatus.CLOSED.label: "#27ae60",
    CaseStatus.VOIDED.label: "#95a5a6", CaseStatus.SUSPENDED.label: "#34495e",
}
BASEMAP = (
    ("patrol_zones", "巡查区", {"weight": 1, "color": "#2c3e50", "fillOpacity": 0.06}),
    ("roads", "道路", {"weight": 3, "color": "#bdc3c7", "opacity": 0.9}),
    ("yinhang_road", "殷行路分界线", {"weight": 3, "color": "#d35400", "dashArray": "8 6"}),
    ("boundary", "街道边界", {"weight": 3, "color": "#c0392b", "fillOpacity": 0.0}),
)
POPUP = ("case_no", "source", "category", "status", "department", "address", "description",
         "reported_at", "deadline_at", "overdue")


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's CSS (icons inlined as data URLs) and JS, ready to sit inside the page."""
    folder = Path(xs_leaflet.BASE_DIR)
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        image = folder / match.group(1)
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    # Inside a <script> element nothing may read as a closing tag.
    return css.replace("</", "<\\/"), js.replace("</", "<\\/")


def _features(table) -> dict:
    headers = {c.key: c.header for c in table.columns}
    features = []
    for i in range(len(table)):
        props = {}
        for key in POPUP:
            value = table.values[key][i]
            if key.endswith("_at") and value:
                value = value[:16]
            props[headers[key]] = html.escape("" if value is None else str(value))
        features.append({"type": "Feature", "properties": props, "geometry": {
            "type": "Point", "coordinates": [table.values["lon"][i], table.values["lat"][i]]}})
    return {"type": "FeatureCollection", "features": features}


def build_map_html(table, title: str, now: dt.datetime) -> str:
    """The page for ``table`` (a :class:`.table.CaseTable`)."""
    m = folium.Map(location=CENTER, zoom_start=14, tiles=None, prefer_canvas=True,
                   control_scale=True, max_zoom=19, min_zoom=11, attribution_control=True)
    # Per instance, not the class attributes: other maps in the process keep theirs.
    m.default_js, m.default_css = [], []
    css, js = _leaflet_assets()
    root = m.get_root()
    root.header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    root.header.add_child(folium.Element(f"<style>{css}</style>"))
    root.header.add_child(folium.Element(f"<script>{js}</script>"))
    maps = load_map_data()
    for name, label, style in BASEMAP:
        folium.GeoJson(json.loads(maps.geojson_text(name)), name=label, interactive=False,
                       style_function=lambda _f, s=style: s).add_to(m)
    status = next(c.header for c in table.columns if c.key == "status")
    headers = {c.key: c.header for c in table.columns}
    fields = [headers[k] for k in POPUP]
    if len(table):  # folium refuses a popup over no features
        folium.GeoJson(
            _features(table), name=f"案件（{len(table):,} 件）",
            marker=folium.CircleMarker(radius=5, weight=1, fill=True, fill_opacity=0.85),
            style_function=lambda f: {"color": "#ffffff", "fillColor": STATUS_COLOURS.get(
                html.unescape(f["properties"][status]), "#7f8c8d")},
            popup=folium.GeoJsonPopup(fields=fields, aliases=fields, labels=True),
        ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    legend = "".join(
        f'<div><span style="display:inline-block;width:10px;height:10px;border-radius:5px;'
        f'background:{colour}"></span> {html.escape(label)}</div>'
        for label, colour in STATUS_COLOURS.items())
    root.html.add_child(folium.Element(
        '<div style="position:fixed;bottom:30px;right:10px;z-index:1000;background:#fff;'
        'padding:6px 8px;font:12px sans-serif;border:1px solid #999;border-radius:4px">'
        f"<b>{html.escape(title)}</b><br>{len(table):,} 件，截至 {now:%Y-%m-%d %H:%M}"
        f"<br>{legend}<div>{html.escape(ATTRIBUTION)}</div></div>"))
    return root.render()


def write_html_map(conn: Connection, out: str | os.PathLike[str], selection: SqlFilter,
                   columns: tuple[ExportColumn, ...], *, now: dt.datetime,
                   progress: Progress | None = None, title: str = "案件地图") -> int:
    """Write the selected cases as an offline web map; returns their number."""
    report = Throttle(progress)
    total = count_cases(conn, selection)
    if total > MAX_CASES:
        raise InputError(f"网页地图最多 {MAX_CASES:,} 件，所选案件有 {total:,} 件："
                         "请缩小筛选范围，或导出为 GeoPackage 在 GIS 软件中查看。")
    report(0, total, "读取案件（网页地图）")
    table = fetch_cases(conn, selection, columns, now)
    page = build_map_html(table, title, now)
    with atomic_output(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    report(total, total, f"已导出 {len(table):,} 件")
    return len(table)
