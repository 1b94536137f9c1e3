"""Patrol zones: the street split in two along 殷行路 (Yinhang Road).

The inspectors patrol two areas "with 殷行路 as the boundary". OSM maps 殷行路 only east of
淞沪路 (Songhu Road); west of it no road is mapped, although addresses on 殷行路 sit on the
same latitude. So the dividing line follows the mapped road east of 淞沪路 and the latitude
of the road's western end west of it. Everything here works in WGS84 lon/lat so that the
zones keep the boundary's own vertices and the western piece is a true parallel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon

YINHANG_ROAD = "殷行路"
SONGHU_ROAD = "淞沪路"

#: Patrol zone codes, north first (it also wins for points exactly on the line).
ZONE_CODES = ("north", "south")
#: Zone code -> Chinese name, and the community code that stands in for the real 居委会.
ZONE_NAMES = {"north": "殷行路以北巡查区", "south": "殷行路以南巡查区"}
COMMUNITY_CODES = {"north": "001", "south": "002"}


def zone_note(west_latitude: float) -> str:
    """The Chinese note on each patrol zone saying how the dividing line was drawn."""
    return (
        "分界线：淞沪路以东沿OpenStreetMap殷行路中心线（双幅路取南北两幅车行道的平均线）；"
        f"淞沪路以西地图数据中没有殷行路，分界线沿殷行路西端所在纬度（北纬{west_latitude}°）"
        "向西延伸至街道边界。"
    )


# How far (degrees, ~500 m) the line and the half-plane reach beyond the boundary's bbox, so
# the cut never depends on exactly where the line stops.
_MARGIN_DEG = 0.005
# The mapped road's western end must be at the 淞沪路 junction; a larger gap means the road
# data changed and the "west of 淞沪路" rule would start at the wrong place.
_MAX_JUNCTION_GAP_DEG = 0.0003  # ~30 m


@dataclass(frozen=True)
class ZoneLine:
    """The dividing line in two pieces, both running west -> east."""

    east: LineString  # along the mapped 殷行路, from 淞沪路 to beyond the eastern boundary
    west: LineString  # along the latitude of the road's western end, beyond the west boundary

    @property
    def full(self) -> LineString:
        """Both pieces joined into one west -> east line."""
        return LineString(list(self.west.coords)[:-1] + list(self.east.coords))


def _road_arrays(roads: Iterable[Mapping[str, Any]], name: str) -> list[np.ndarray]:
    return [
        np.asarray(f["geometry"]["coordinates"], dtype=float)
        for f in roads
        if f["properties"].get("name") == name and f["geometry"]["type"] == "LineString"
    ]


def _profile(ways: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One carriageway as latitude as a function of longitude (the road runs east-west)."""
    pts = np.concatenate(ways)
    # Ways of one carriageway meet end to end, so junction vertices repeat; average them.
    lons, inverse = np.unique(pts[:, 0], return_inverse=True)
    lats = np.bincount(inverse, weights=pts[:, 1]) / np.bincount(inverse)
    return lons, lats


def yinhang_zone_line(roads: Iterable[Mapping[str, Any]], bounds: tuple[float, ...]) -> ZoneLine:
    """Build the zone dividing line from the road features and the boundary's bbox.

    殷行路 is a dual carriageway, mapped as one-way ways drawn in the direction of travel.
    Traffic keeps right, so the westbound ways are the northern carriageway and the eastbound
    ones the southern. The line used is the average of the two carriageways (the median
    strip), sampled at every vertex longitude of either; gaps where a carriageway is not
    mapped are bridged linearly. Where the shorter carriageway ends (already past the
    eastern boundary) the line continues due east.
    """
    roads = list(roads)
    ways = _road_arrays(roads, YINHANG_ROAD)
    if not ways:
        raise ValueError(f"no {YINHANG_ROAD} centerline in the road data")
    westbound = [w for w in ways if w[-1, 0] < w[0, 0]]
    eastbound = [w for w in ways if w[-1, 0] > w[0, 0]]
    if not westbound or not eastbound:
        raise ValueError(f"{YINHANG_ROAD}: expected both carriageways of a dual carriageway")
    north_lon, north_lat = _profile(westbound)
    south_lon, south_lat = _profile(eastbound)
    if north_lat.mean() <= south_lat.mean():
        raise ValueError(f"{YINHANG_ROAD}: westbound carriageway is not the northern one")

    west_end = min(north_lon[0], south_lon[0])
    east_end = min(north_lon[-1], south_lon[-1])
    lons = np.unique(np.concatenate([north_lon, south_lon]))
    lons = lons[(lons >= west_end) & (lons <= east_end)]
    # np.interp holds the end value beyond a carriageway's last vertex: at the western end
    # that is the ~15 m between the two carriageways' first vertices at the junction.
    lats = (np.interp(lons, north_lon, north_lat) + np.interp(lons, south_lon, south_lat)) / 2
    lons, lats = np.round(lons, 7), np.round(lats, 7)

    songhu = MultiLineString([LineString(w) for w in _road_arrays(roads, SONGHU_ROAD)])
    junction = Point(lons[0], lats[0])
    if songhu.is_empty or songhu.distance(junction) > _MAX_JUNCTION_GAP_DEG:
        raise ValueError(f"western end of {YINHANG_ROAD} is not at {SONGHU_ROAD}")

    minx, _, maxx, _ = bounds
    far_west = round(minx - _MARGIN_DEG, 7)
    far_east = round(maxx + _MARGIN_DEG, 7)
    # Junctions of consecutive ways give vertices a few centimetres apart; drop those.
    east = LineString([*zip(lons, lats, strict=True), (far_east, lats[-1])]).simplify(1e-6)
    west = LineString([(far_west, lats[0]), (lons[0], lats[0])])
    return ZoneLine(east=east, west=west)


def split_into_zones(
    boundary: Polygon | MultiPolygon, line: ZoneLine
) -> dict[str, Polygon | MultiPolygon]:
    """Cut the boundary into the "north" and "south" patrol zones along ``line``.

    The north zone is the boundary intersected with the half-plane above the line and the
    south zone is the rest, so the two never overlap and their union is the boundary
    exactly (no slivers from cutting twice).
    """
    coords = list(line.full.coords)
    xs = np.array([c[0] for c in coords])
    if np.any(np.diff(xs) <= 0):
        raise ValueError("zone line must run strictly west -> east")
    minx, miny, maxx, maxy = boundary.bounds
    if xs[0] >= minx or xs[-1] <= maxx:
        raise ValueError("zone line does not cross the whole boundary")
    top = maxy + _MARGIN_DEG
    north_half = Polygon([*coords, (xs[-1], top), (xs[0], top)])
    zones = {
        "north": shapely.intersection(boundary, north_half),
        "south": shapely.difference(boundary, north_half),
    }
    for code, zone in zones.items():
        if zone.is_empty:
            raise ValueError(f"zone line leaves the {code} zone empty")
        # Polygon when the cut leaves one piece (it does here); otherwise keep all pieces.
        parts = shapely.get_parts(zone)
        zones[code] = parts[0] if len(parts) == 1 else MultiPolygon(list(parts))
    return zones
