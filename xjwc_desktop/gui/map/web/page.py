"""Build the map page with folium: skeleton, basemap layers, and our own scripts.

folium's defaults point at CDNs; this page replaces them per map instance with assets
served by the ``xjwc://`` scheme, so it loads with no network at all. Everything the page
needs to know (layer names, style colours, tile sources) goes in one JSON config whose
``<`` are escaped, so no text can close the script element.

folium (and pandas, branca, jinja2 behind it) is imported only to build the page; the window
asks :mod:`page_cache` for it, which builds it only when something that goes into it changed.
The colours are in :mod:`palette`.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from xjwc_desktop.core.geo.chinese_crs import transform_geojson
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.i18n import language, tr
from xjwc_desktop.core.model import CaseSource, CaseStatus, StructureStatus, ZoneCode
from xjwc_desktop.core.queries.case_lights import LIGHT_LABELS
from xjwc_desktop.core.queries.map_layers import STATUS_ORDER, display_coordinates
from xjwc_desktop.core.queries.tile_sources import NO_TILES, TileSource
from xjwc_desktop.gui.map.web.palette import (
    CATEGORY_COLORS,
    LIGHT_COLORS,
    SOURCE_COLORS,
    STATUS_COLORS,
    page_palette,
)

ORIGIN = "xjwc://app"
CENTER = (31.3290, 121.5075)
ATTRIBUTION = "地图数据 © OpenStreetMap contributors, ODbL 1.0"
SCRIPTS = ("qwebchannel.js", "registers.js", "places.js", "legend.js", "cases.js",
           "case_density.js", "map.js")

# Finished cases are drawn under open ones and a size smaller: the open ones matter.
FINISHED = {CaseStatus.CLOSED, CaseStatus.VOIDED}
DISCS_BELOW = 5000

BASEMAP_STYLES = {
    "patrol_zones": {"weight": 1, "color": "#2c3e50", "fillOpacity": 0.05},
    "unit_grids": {"weight": 0.6, "color": "#7f8c8d", "fillOpacity": 0.0, "opacity": 0.6},
    "roads": {"weight": 4, "color": "#bdc3c7", "opacity": 0.9},
    "yinhang_road": {"weight": 4, "color": "#d35400", "dashArray": "8 6", "opacity": 1.0},
    "boundary": {"weight": 3, "color": "#c0392b", "fillOpacity": 0.0},
}
ZONE_FILL = {"north": "#2980b9", "south": "#16a085"}
BASEMAP_LAYERS = ("patrol_zones", "unit_grids", "roads", "yinhang_road", "boundary")

#: Every layer of the map, top to bottom as the layer panel lists them, with its title.
LAYERS = [
    ("cases", "案件"),
    ("hotspots", "热点"),
    ("illegal_structures", "违法建筑"),
    ("census", "无证建筑普查"),
    ("bike_stations", "公益自行车站点"),
    ("bike_coverage", "自行车覆盖"),
    ("compounds", "小区"),
    ("road_labels", "道路名称"),
    ("boundary", "街道边界"),
    ("yinhang_road", "殷行路分界线"),
    ("roads", "道路"),
    ("unit_grids", "单元网格"),
    ("patrol_zones", "巡查区（殷行路南北）"),
    ("tiles", "底图瓦片"),
]
# 1,586 census points stay off until asked for; so do the stations' 500 m circles, which
# would shade most of the street.
# Hotspots too: a layer of analysis, asked for from the dashboard or the panel, not the
# first thing an operator needs over the cases (and its labels would sit on the streets).
HIDDEN_AT_FIRST = {"census", "bike_coverage", "hotspots"}
CASE_STYLES = [("status", "按状态"), ("light", "按红黄绿灯（时限）"), ("source", "按来源"),
               ("category", "按类别（大类）")]
CASE_MODES = [("auto", "自动（低缩放聚合）"), ("points", "逐点"), ("cluster", "聚合"),
              ("heatmap", "热力图")]
PAGE_TEXT = ("案件", "违法建筑", "无证建筑普查", "公益自行车站点", "小区", "图例", "辆", "桩",
             "㎡", "位置为示意", "住宅", "非住宅", "密度：低 → 高", "聚合（圆内为件数）",
             "大小表示面积", "圈为桩数，实心为在桩车辆", "车辆不足 30%", "30%–70%", "70% 以上",
             "聚合",
             # The dashboard's places (places.js, legend.js).
             "热点", "密度", "件", "峰值密度", "件/公顷", "单元网格", "高发网格",
             "颜色越深密度越高，圆越大案件越多", "自行车覆盖", "米", "直线距离", "步行范围",
             "站点步行范围", "已覆盖", "未覆盖", "已覆盖小区", "未覆盖小区", "最近站点")


@dataclass(frozen=True)
class PageOptions:
    """What varies between page builds: the tiles (and so the display CRS), the majors."""

    tiles: TileSource = NO_TILES
    category_majors: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        return self.tiles.crs if self.tiles.kind != "none" else "wgs84"


def _style(name: str):
    base = BASEMAP_STYLES[name]
    if name == "patrol_zones":
        return lambda f: {**base, "fillColor": ZONE_FILL.get(f["properties"]["code"], "#999")}
    return lambda _f: base


def case_styles(majors: tuple[str, ...]) -> dict:
    return {
        "status": {"title": tr("状态"), "labels": [tr(s.label) for s in CaseStatus],
                   "colors": [STATUS_COLORS[s] for s in CaseStatus]},
        "light": {"title": tr("红黄绿灯"), "labels": [tr(t) for t in LIGHT_LABELS],
                  "colors": LIGHT_COLORS},
        "source": {"title": tr("来源"), "labels": [tr(s.label) for s in CaseSource],
                   "colors": SOURCE_COLORS},
        "category": {"title": tr("类别（大类）"), "labels": [tr(m) for m in majors],
                     "colors": [CATEGORY_COLORS[i % len(CATEGORY_COLORS)]
                                for i in range(len(majors))]},
    }


def page_config(options: PageOptions) -> dict:
    """Everything the page's scripts read (``XJWC_CONFIG``) but the names folium gives the
    map and the basemap layers: cheap, no folium (the page cache keys on it)."""
    status = list(CaseStatus)
    return {
        "display": options.display,
        "layerTitles": {k: tr(t) for k, t in LAYERS},
        "defaultVisible": {k: k not in HIDDEN_AT_FIRST for k, _t in LAYERS},
        "statusOrder": STATUS_ORDER,
        "styles": case_styles(options.category_majors),
        "statusRank": [0 if s in FINISHED else 1 if s == CaseStatus.SUSPENDED else 2
                       for s in status],
        "statusSmall": [s in FINISHED for s in status],
        # Auto: clusters while more than clusterAbove cases are in view, points from zoom 18
        # (a house or two across) whatever the count, so single cases can always be picked.
        "clusterBelowZoom": 18,
        "clusterAbove": DISCS_BELOW,
        # Fewer cases than this in view: each one a disc with an outline, whatever the zoom.
        "discsBelow": DISCS_BELOW,
        # More shown cases than this: point mode draws one per occupied pixel cell (LOD).
        "lodAbove": 50_000,
        "palette": page_palette(),
        "countUnit": ["万", 10000] if language() == "zh" else ["k", 1000],
        "font": "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif",
        "structureStatus": [{"code": s.value, "label": tr(s.label)} for s in StructureStatus],
        "zones": [{"label": tr(z.label), "color": ZONE_FILL[z.value]} for z in ZoneCode],
        # Leaflet puts attributions in as HTML; a tile file's metadata is not ours to trust.
        "tiles": [{**t, "attribution": html.escape(str(t.get("attribution") or ""))}
                  for t in options.tiles.leaflet_layers()],
        "attribution": ATTRIBUTION,
        "text": {k: tr(k) for k in PAGE_TEXT},
    }


def build_map_page(options: PageOptions | None = None, config: dict | None = None) -> str:
    """The HTML of the map page (a few hundred KB: the basemap is embedded).

    Slow the first time in a process (folium imports pandas, branca, jinja2: ~0.6 s); the
    window gets it through :mod:`page_cache`, which builds it only when its inputs change.
    """
    options = options or PageOptions()
    config = dict(config or page_config(options))
    import folium

    maps = load_map_data()
    m = folium.Map(location=CENTER, zoom_start=14, tiles=None, prefer_canvas=True,
                   control_scale=False, max_zoom=19, min_zoom=11)
    m.default_js = [("leaflet", f"{ORIGIN}/assets/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{ORIGIN}/assets/leaflet/leaflet.css")]
    basemap = {}
    for name in BASEMAP_LAYERS:
        data = json.loads(maps.geojson_text(name))
        if options.display != "wgs84":  # the street moves with GCJ-02 tiles, as our cases do
            data = transform_geojson(
                data, lambda lon, lat: display_coordinates(lon, lat, options.display))
        layer = folium.GeoJson(data, name=tr(dict(LAYERS)[name]), style_function=_style(name),
                               interactive=False, control=False)
        layer.add_to(m)
        basemap[name] = layer.get_name()
    config.update({"map": m.get_name(), "basemap": basemap})
    root = m.get_root()
    root.header.add_child(folium.Element(f'<link rel="stylesheet" href="{ORIGIN}/web/map.css"/>'))
    # In the body: after Leaflet, which folium loads in the head.
    root.html.add_child(folium.Element(
        "".join(f'<script src="{ORIGIN}/web/{name}"></script>' for name in SCRIPTS)))
    payload = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    root.script.add_child(folium.Element(f"window.XJWC_CONFIG = {payload};"))
    return root.render()
