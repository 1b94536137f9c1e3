"""Build the map page with folium: skeleton, basemap layers, and our own script.

folium's defaults point at CDNs; this page replaces them per map instance with assets
served by the ``xjwc://`` scheme, so it loads with no network at all.
"""

from __future__ import annotations

import json

import folium

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.queries.map_layers import STATUS_ORDER

ORIGIN = "xjwc://app"
CENTER = (31.3290, 121.5075)
ATTRIBUTION = "地图数据 © OpenStreetMap contributors, ODbL 1.0"

# The traffic light of the loop: open steps warm, finished ones cool, voided grey.
STATUS_COLORS = {
    CaseStatus.REPORTED: "#e67e22",
    CaseStatus.REGISTERED: "#f1c40f",
    CaseStatus.DISPATCHED: "#e74c3c",
    CaseStatus.HANDLED: "#9b59b6",
    CaseStatus.VERIFIED: "#3498db",
    CaseStatus.CLOSED: "#27ae60",
    CaseStatus.VOIDED: "#95a5a6",
    CaseStatus.SUSPENDED: "#34495e",
}

BASEMAP_STYLES = {
    "patrol_zones": {"weight": 1, "color": "#2c3e50", "fillOpacity": 0.05},
    "unit_grids": {"weight": 0.6, "color": "#7f8c8d", "fillOpacity": 0.0, "opacity": 0.6},
    "roads": {"weight": 4, "color": "#bdc3c7", "opacity": 0.9},
    "yinhang_road": {"weight": 4, "color": "#d35400", "dashArray": "8 6", "opacity": 1.0},
    "boundary": {"weight": 3, "color": "#c0392b", "fillOpacity": 0.0},
}
ZONE_FILL = {"north": "#2980b9", "south": "#16a085"}
BASEMAP_NAMES = {
    "patrol_zones": "巡查区（殷行路南北）",
    "unit_grids": "单元网格",
    "roads": "道路",
    "yinhang_road": "殷行路分界线",
    "boundary": "街道边界",
}


def _style(name: str):
    base = BASEMAP_STYLES[name]
    if name == "patrol_zones":
        return lambda f: {**base, "fillColor": ZONE_FILL.get(f["properties"]["code"], "#999")}
    return lambda _f: base


def build_map_page() -> str:
    """The HTML of the map page (a few hundred KB: the basemap is embedded)."""
    maps = load_map_data()
    m = folium.Map(location=CENTER, zoom_start=14, tiles=None, prefer_canvas=True,
                   control_scale=True, max_zoom=19, min_zoom=11)
    m.default_js = [("leaflet", f"{ORIGIN}/assets/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{ORIGIN}/assets/leaflet/leaflet.css")]
    basemap = {}
    for name in ("patrol_zones", "unit_grids", "roads", "yinhang_road", "boundary"):
        layer = folium.GeoJson(json.loads(maps.geojson_text(name)), name=tr(BASEMAP_NAMES[name]),
                               style_function=_style(name), interactive=False, control=False)
        layer.add_to(m)
        basemap[name] = layer.get_name()
    config = {
        "map": m.get_name(),
        "basemap": basemap,
        "basemapNames": {k: tr(v) for k, v in BASEMAP_NAMES.items()},
        "statusOrder": STATUS_ORDER,
        "statusLabels": {s.value: tr(s.label) for s in CaseStatus},
        "statusColors": {s.value: c for s, c in STATUS_COLORS.items()},
        "attribution": ATTRIBUTION,
        "text": {k: tr(k) for k in ("案件", "违法建筑", "无证建筑普查", "公益自行车站点", "小区",
                                     "图例", "案件状态", "辆", "桩", "㎡", "已拆除", "未拆除",
                                     "位置为示意", "住宅", "非住宅")},
    }
    root = m.get_root()
    root.header.add_child(folium.Element(f'<link rel="stylesheet" href="{ORIGIN}/web/map.css"/>'))
    # In the body: after Leaflet, which folium loads in the head.
    root.html.add_child(folium.Element(
        f'<script src="{ORIGIN}/web/qwebchannel.js"></script>'
        f'<script src="{ORIGIN}/web/map.js"></script>'))
    # JSON inside <script>: escape "<" so no text can close the element.
    payload = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    root.script.add_child(folium.Element(f"window.XJWC_CONFIG = {payload};"))
    return root.render()
