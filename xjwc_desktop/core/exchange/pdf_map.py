"""A static map drawn straight into the PDF: the street from ``maps/``, the cases on top.

No tiles, no browser, no network: the boundary, the two patrol zones, roads, the 殷行路
dividing line and (zoomed in) the unit grids are vector drawings from the same GeoJSON
files the map window uses, so a printed case sheet shows exactly where the case is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from fpdf import FPDF
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon

from xjwc_desktop.core.exchange.pdf_doc import FAMILY
from xjwc_desktop.core.geo.mapdata import MapData, load_map_data

ZONE_FILL = {"north": (214, 234, 248), "south": (209, 242, 235)}
ATTRIBUTION = "地图数据 © OpenStreetMap contributors, ODbL 1.0"
M_PER_DEG_LAT = 111_320.0


class MapFrame:
    """A lon/lat box fitted into a page rectangle (local equirectangular projection,
    true to scale at this size: the street is 4 km across)."""

    def __init__(self, bbox: tuple[float, float, float, float],
                 rect: tuple[float, float, float, float]) -> None:
        x0, y0, x1, y1 = bbox
        self.rect = rect
        self.kx = math.cos(math.radians((y0 + y1) / 2))
        span_x, span_y = (x1 - x0) * self.kx, y1 - y0
        rx, ry, rw, rh = rect
        self.scale = min(rw / span_x, rh / span_y)  # mm per degree of latitude
        self.ox = rx + (rw - span_x * self.scale) / 2 - x0 * self.kx * self.scale
        self.oy = ry + (rh - span_y * self.scale) / 2 + y1 * self.scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return self.ox + lon * self.kx * self.scale, self.oy - lat * self.scale

    def points(self, coords: Iterable[Sequence[float]]) -> list[tuple[float, float]]:
        return [self.xy(c[0], c[1]) for c in coords]

    def mm_per_m(self) -> float:
        return self.scale / M_PER_DEG_LAT


def _polygons(geom) -> list[Polygon]:
    return list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]


def _lines(geom) -> list[LineString]:
    return list(geom.geoms) if isinstance(geom, MultiLineString) else [geom]


def street_bbox(maps: MapData, margin: float = 0.03) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = maps.boundary.bounds
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    return x0 - dx, y0 - dy, x1 + dx, y1 + dy


def around(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    dlat = metres / M_PER_DEG_LAT
    dlon = dlat / math.cos(math.radians(lat))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def draw_map(pdf: FPDF, rect: tuple[float, float, float, float],
             bbox: tuple[float, float, float, float],
             points: Sequence[tuple[float, float, tuple[int, int, int]]],
             *, grids: bool = False, point_mm: float = 1.2) -> None:
    """Draw the street in ``rect`` (x, y, w, h in mm) showing ``bbox``, then ``points``
    (lon, lat, RGB colour). Colours and line styles are restored afterwards."""
    with pdf.local_context():
        _draw(pdf, rect, bbox, points, grids, point_mm)
    pdf.set_fill_color(255)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)


def _draw(pdf: FPDF, rect, bbox, points, grids: bool, point_mm: float) -> None:
    maps = load_map_data()
    frame = MapFrame(bbox, rect)
    x, y, w, h = rect
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    pdf.set_fill_color(250, 250, 247)
    pdf.rect(x, y, w, h, style="DF")
    with pdf.rect_clip(x, y, w, h):
        for code, geom in maps.zones.items():
            pdf.set_fill_color(*ZONE_FILL.get(code, (235, 235, 235)))
            for poly in _polygons(geom):
                pdf.polygon(frame.points(poly.exterior.coords), style="F")
        if grids:
            pdf.set_draw_color(190)
            pdf.set_line_width(0.1)
            for grid in maps.grids:
                pdf.polygon(frame.points(grid.geometry.exterior.coords), style="D")
        pdf.set_draw_color(175)
        pdf.set_line_width(max(0.3, min(1.2, 12 * frame.mm_per_m())))
        for road in maps.roads:
            for line in _lines(road.geometry):
                pdf.polyline(frame.points(line.coords))
        pdf.set_draw_color(211, 84, 0)
        pdf.set_line_width(0.5)
        pdf.set_dash_pattern(dash=2, gap=1.5)
        pdf.polyline(frame.points(maps.zone_line.coords))
        pdf.set_dash_pattern()
        pdf.set_draw_color(192, 57, 43)
        pdf.set_line_width(0.6)
        for poly in _polygons(maps.boundary):
            pdf.polygon(frame.points(poly.exterior.coords), style="D")
        pdf.set_draw_color(255)
        pdf.set_line_width(0.25)
        for lon, lat, colour in points:
            px, py = frame.xy(lon, lat)
            pdf.set_fill_color(*colour)
            pdf.circle(px, py, point_mm, style="DF")
    _scale_bar(pdf, frame)
    pdf.set_font(FAMILY, "", 6)
    pdf.set_text_color(90)
    pdf.set_xy(x + 1, y + h - 4)
    pdf.cell(w - 2, 3, ATTRIBUTION, align="R")
    pdf.set_xy(x + 1.5, y + 1.5)
    pdf.set_font(FAMILY, "B", 8)
    pdf.cell(6, 4, "北 ↑")
    pdf.set_text_color(0)


def _scale_bar(pdf: FPDF, frame: MapFrame) -> None:
    x, y, w, h = frame.rect
    target = w / 4 / frame.mm_per_m()  # about a quarter of the width, in metres
    metres = min((n for n in (50, 100, 200, 250, 500, 1000, 2000) if n >= target / 2),
                 default=2000)
    length = metres * frame.mm_per_m()
    bx, by = x + 3, y + h - 5
    pdf.set_draw_color(40)
    pdf.set_line_width(0.4)
    pdf.line(bx, by, bx + length, by)
    pdf.line(bx, by - 1, bx, by)
    pdf.line(bx + length, by - 1, bx + length, by)
    pdf.set_font(FAMILY, "", 6)
    pdf.set_xy(bx, by - 4)
    pdf.cell(length, 3, f"{metres} 米" if metres < 1000 else f"{metres // 1000} 公里",
             align="C")
