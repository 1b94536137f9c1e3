"""Build the map files in ``maps/`` from the OSM extracts in the shared geodata folder.

Qt-free; run it through ``python scripts/build_maps.py``. The output is deterministic
(same input -> identical bytes) so the generated files can be committed and checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from xjwc_desktop.core.geo.unit_grid import CELL_SIZE_M, MIN_AREA_M2, UnitGrid, build_unit_grids
from xjwc_desktop.core.geo.zoning import (
    COMMUNITY_CODES,
    ZONE_CODES,
    ZONE_NAMES,
    ZoneLine,
    split_into_zones,
    yinhang_zone_line,
    zone_note,
)

STREET_NAME = "新江湾城街道"
STREET_CODE = "310110020000"
ATTRIBUTION = (
    "Map data © OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"
)
METRIC_CRS = "EPSG:32651"  # UTM 51N: metres, for areas and the 100 m lattice

BOUNDARY_SOURCE = "xinjiangwancheng_boundary.geojson"
ROADS_SOURCE = "xinjiangwancheng_roads.geojson"
OUTPUT_FILES = (
    "boundary.geojson",
    "roads.geojson",
    "yinhang_road.geojson",
    "patrol_zones.geojson",
    "unit_grids.geojson",
    "README.md",
)
_DEGREE_PRECISION = 1e-7  # 7 decimals: ~1 cm, well below the accuracy of the OSM data

Feature = tuple[Mapping[str, Any], BaseGeometry]


def _read_features(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _projector(src: str, dst: str) -> Callable[[BaseGeometry], BaseGeometry]:
    transformer = Transformer.from_crs(src, dst, always_xy=True)

    def project(geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(
            geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )

    return project


def _to_degrees(geom: BaseGeometry) -> BaseGeometry:
    """Snap to the 7-decimal grid the files are written on, keeping polygons valid.

    Snapping once, through GEOS, means shared edges of neighbouring polygons snap alike.
    """
    return shapely.orient_polygons(shapely.set_precision(geom, _DEGREE_PRECISION))


def _rounded(obj: Any) -> Any:
    """A GeoJSON geometry mapping with every coordinate rounded to 7 decimals."""
    if isinstance(obj, float):
        return round(obj, 7)
    if isinstance(obj, list | tuple):
        return [_rounded(item) for item in obj]
    if isinstance(obj, dict):
        return {key: _rounded(value) for key, value in obj.items()}
    return obj


def _write_collection(path: Path, features: Iterable[Feature]) -> None:
    """Write a FeatureCollection with one feature per line (readable diffs, stable bytes)."""
    lines = []
    for properties, geom in features:
        feature = {
            "type": "Feature",
            "properties": dict(properties),
            "geometry": _rounded(mapping(geom)),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    head = json.dumps(
        {"type": "FeatureCollection", "name": path.stem, "attribution": ATTRIBUTION},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    text = head[:-1] + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def _zone_line_features(line: ZoneLine) -> list[Feature]:
    west_lat = line.west.coords[0][1]
    east_note = "淞沪路以东：沿OpenStreetMap殷行路中心线（两幅车行道的平均线），向东延伸出街道边界"
    west_note = (
        f"淞沪路以西：地图数据中没有殷行路，沿其西端纬度（北纬{west_lat}°）向西延伸出街道边界"
    )
    return [
        ({"part": "east", "name": "殷行路", "note": east_note}, line.east),
        ({"part": "west", "name": "殷行路（推定）", "note": west_note}, line.west),
    ]


def _zone_features(
    zones: Mapping[str, BaseGeometry], km2: Mapping[str, float], line: ZoneLine
) -> list[Feature]:
    note = zone_note(line.west.coords[0][1])
    return [
        (
            {
                "code": code,
                "name": ZONE_NAMES[code],
                "community_code": COMMUNITY_CODES[code],
                "area_km2": km2[code],
                "note": note,
            },
            zones[code],
        )
        for code in ZONE_CODES
    ]


def _grid_features(grids: list[UnitGrid], geoms: list[BaseGeometry]) -> list[Feature]:
    return [
        (
            {
                "code": g.code,
                "zone": g.zone,
                "community_code": COMMUNITY_CODES[g.zone],
                "seq": g.seq,
                "area_m2": round(g.area_m2, 1),
                "row": g.row,
                "col": g.col,
            },
            geom,
        )
        for g, geom in zip(grids, geoms, strict=True)
    ]


def build_maps(geodata_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Write boundary, roads, zone line, patrol zones, unit grids and README to ``out_dir``.

    Returns a summary: areas (km², computed in EPSG:32651), grid counts, sliver merges and
    how far the grids' total area is from the boundary's.
    """
    geodata_dir, out_dir = Path(geodata_dir), Path(out_dir)
    to_metric = _projector("EPSG:4326", METRIC_CRS)
    to_wgs84 = _projector(METRIC_CRS, "EPSG:4326")

    boundary = shape(_read_features(geodata_dir / BOUNDARY_SOURCE)[0]["geometry"])
    roads = _read_features(geodata_dir / ROADS_SOURCE)
    line = yinhang_zone_line(roads, boundary.bounds)
    zones_metric = {code: to_metric(g) for code, g in split_into_zones(boundary, line).items()}
    boundary_m2 = to_metric(boundary).area
    grids, stats = build_unit_grids(zones_metric)
    grid_geoms = [_to_degrees(to_wgs84(g.geometry)) for g in grids]
    # The zones as written are the union of their grids, not the cut itself: snapping to
    # 7 decimals moves vertices by up to ~1 cm, and built this way a point's zone and its
    # grid's zone can never disagree. The two differ by far less than a square metre.
    zones = {
        code: _to_degrees(
            shapely.union_all(
                [geom for g, geom in zip(grids, grid_geoms, strict=True) if g.zone == code],
                grid_size=_DEGREE_PRECISION,
            )
        )
        for code in ZONE_CODES
    }
    zone_km2 = {code: round(g.area / 1e6, 4) for code, g in zones_metric.items()}
    boundary_props = {
        "name": STREET_NAME,
        "code": STREET_CODE,
        "area_km2": round(boundary_m2 / 1e6, 4),
        "attribution": ATTRIBUTION,
    }
    road_keys = ("name", "highway", "name_source", "osm_way_id")

    out_dir.mkdir(parents=True, exist_ok=True)
    _write_collection(out_dir / "boundary.geojson", [(boundary_props, _to_degrees(boundary))])
    _write_collection(
        out_dir / "roads.geojson",
        [({k: f["properties"].get(k) for k in road_keys}, shape(f["geometry"])) for f in roads],
    )
    _write_collection(out_dir / "yinhang_road.geojson", _zone_line_features(line))
    _write_collection(out_dir / "patrol_zones.geojson", _zone_features(zones, zone_km2, line))
    _write_collection(out_dir / "unit_grids.geojson", _grid_features(grids, grid_geoms))

    areas = np.array([g.area_m2 for g in grids])
    summary: dict[str, Any] = {
        "boundary_area_km2": boundary_props["area_km2"],
        "zones": {
            code: {"area_km2": zone_km2[code], "unit_grids": sum(g.zone == code for g in grids)}
            for code in ZONE_CODES
        },
        "zone_line_west_latitude": line.west.coords[0][1],
        "songhu_junction_lon": line.east.coords[0][0],
        "unit_grids": len(grids),
        "lattice": f"{stats.lattice_rows} rows x {stats.lattice_cols} cols of {CELL_SIZE_M:g} m",
        "pieces_before_merge": stats.pieces,
        "slivers_merged": stats.slivers_merged,
        "slivers_kept": stats.slivers_kept,
        "grid_area_m2": {
            "min": round(float(areas.min()), 1),
            "median": round(float(np.median(areas)), 1),
            "max": round(float(areas.max()), 1),
        },
        # Grids vs boundary, both in metres before rounding: overlay noise only.
        "grid_area_minus_boundary_m2": round(float(areas.sum() - boundary_m2), 3),
        "out_dir": str(out_dir),
    }
    (out_dir / "README.md").write_text(_readme(summary), encoding="utf-8", newline="\n")
    return summary


def _readme(s: Mapping[str, Any]) -> str:
    north, south = s["zones"]["north"], s["zones"]["south"]
    return f"""# Map data of 新江湾城街道

Generated by `python scripts/build_maps.py` (code in `xjwc_desktop/core/geo/`) from the OSM
extracts in `maps/source/` (copied from the project's shared geodata). Do not edit by
hand: rebuild, and the files come out byte-identical for the same input. All files are
GeoJSON in WGS84 lon/lat, coordinates rounded to 7 decimals (~1 cm); areas are computed
in {METRIC_CRS} (UTM 51N).

| file | what |
|---|---|
| `boundary.geojson` | the street boundary (OSM relation 13466494, code {STREET_CODE}), \
{s["boundary_area_km2"]} km² |
| `roads.geojson` | road centerlines (`name`, `highway`, `name_source`, `osm_way_id`); \
dual carriageways appear twice; `name_source` says whether the name is an OSM tag or inferred |
| `yinhang_road.geojson` | the line dividing the patrol zones, in two parts \
(`part`: `east`, `west`) |
| `patrol_zones.geojson` | the two patrol zones: `north` 殷行路以北巡查区 {north["area_km2"]} km², \
`south` 殷行路以南巡查区 {south["area_km2"]} km² |
| `unit_grids.geojson` | {s["unit_grids"]} 万米单元网格 (unit grids): {north["unit_grids"]} north, \
{south["unit_grids"]} south |

## The zone line (殷行路)

- East of 淞沪路 (lon ≥ {s["songhu_junction_lon"]}) it follows the OSM centerline of 殷行路.
  The road is a dual carriageway; the line is the average of the two carriageways (the
  median strip). The mapped road crosses the eastern boundary; past its end the line
  runs on due east, so the cut is clean.
- **West of 淞沪路 no road is mapped**, so the line continues due west along the latitude of
  殷行路's western end ({s["zone_line_west_latitude"]}°N) to beyond the western boundary.
  Addresses on 殷行路 west of 淞沪路 (1555弄, 1628弄) sit on that latitude.

The north zone is the boundary above the line and the south zone the rest, so they do not
overlap and together are the boundary. As written, each zone is the union of its unit grids
(identical to the cut within the ~1 cm of rounding), so a point's zone is always its grid's
zone.

## Unit grids and their codes

A regular {CELL_SIZE_M:g} m × {CELL_SIZE_M:g} m lattice on whole 100 m lines of {METRIC_CRS} \
({s["lattice"]}),
each cell clipped to the boundary and split by the patrol zones, so every grid lies in exactly
one zone. Pieces under {MIN_AREA_M2:g} m² ({s["slivers_merged"]} of {s["pieces_before_merge"]}) \
were merged into the
neighbouring grid of the same zone with the longest shared edge. Grid areas: \
{s["grid_area_m2"]["min"]} m² to
{s["grid_area_m2"]["max"]} m² (median {s["grid_area_m2"]["median"]} m²).

Code: 15 digits, `310110` (杨浦区) + `020` (新江湾城街道) + 3-digit community + 3-digit
sequence. The sequence runs within each community row by row from the north and west to
east inside a row, by the grid's lattice `row`/`col` (properties of each grid).

Community codes `001` (north) and `002` (south) are the two patrol zones standing in for the
real 居委会 communities, whose boundaries are not in the data.

## Attribution

{ATTRIBUTION}
"""
