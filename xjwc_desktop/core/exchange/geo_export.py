"""Case points for GIS tools: GeoJSON (RFC 7946), GeoPackage and Shapefile, via pyogrio.

All three are WGS84 lon/lat (EPSG:4326; CGCS2000 users can take it as is, the difference
is centimetres). GeoJSON and GeoPackage keep the Chinese column names and full texts.
A shapefile's dBASE table cannot: field names are at most 10 ASCII characters (the
mapping is :data:`.columns.COLUMNS`' ``shp`` and is written beside the file as
``<name>.fields.csv``), text fields hold at most 254 bytes (about 84 Chinese characters:
longer descriptions are cut at a character boundary, never inside one) and there is no
date-time type (times are text). The ``.cpg`` file says UTF-8, so Chinese reads back
intact in QGIS and ArcGIS.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange.atomic import atomic_folder, atomic_output
from xjwc_desktop.core.exchange.columns import ExportColumn
from xjwc_desktop.core.exchange.csv_export import quote
from xjwc_desktop.core.exchange.progress import Progress, Throttle
from xjwc_desktop.core.exchange.rows import count_cases
from xjwc_desktop.core.exchange.selection import SqlFilter
from xjwc_desktop.core.exchange.table import CaseTable, fetch_cases

#: These formats are built in memory; beyond this, CSV (with coordinates) is the way.
MAX_CASES = 300_000
DBF_TEXT_BYTES = 254
LAYER = "案件"
DRIVERS = {"geojson": "GeoJSON", "gpkg": "GPKG", "shp": "ESRI Shapefile"}


def _frame(table: CaseTable, shapefile: bool) -> gpd.GeoDataFrame:
    data = {}
    for col in table.columns:
        values = table.values[col.key]
        name = col.shp if shapefile else col.header
        if col.kind == "datetime" and not shapefile:
            data[name] = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601")
        elif col.kind == "number":
            data[name] = pd.Series(values, dtype="float64")
        else:
            if shapefile:
                values = [_dbf_text(v) for v in values]
            data[name] = pd.Series(values, dtype=object)
    geometry = shapely.points(table.values["lon"], table.values["lat"]) if len(table) else []
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"))


def _dbf_text(value: str | None) -> str | None:
    """Cut to what a dBASE text field holds, at a character boundary."""
    if value is None:
        return None
    raw = value.encode("utf-8")
    if len(raw) <= DBF_TEXT_BYTES:
        return value
    return raw[:DBF_TEXT_BYTES].decode("utf-8", errors="ignore")


def write_gis(conn, out: str | os.PathLike[str], fmt: str, selection: SqlFilter,
              columns: tuple[ExportColumn, ...], *, now: dt.datetime,
              progress: Progress | None = None) -> int:
    """Write the selected cases as ``fmt`` (geojson, gpkg or shp); returns their number."""
    report = Throttle(progress)
    total = count_cases(conn, selection)
    if total > MAX_CASES:
        raise InputError(f"{fmt.upper()} 导出最多 {MAX_CASES:,} 件，所选案件有 {total:,} 件："
                         "请缩小筛选范围，或导出为 CSV（含经纬度）。")
    report(0, total, f"读取案件（{fmt.upper()}）")
    table = fetch_cases(conn, selection, columns, now)
    report(len(table) // 2, total, f"写入 {fmt.upper()}")
    target = Path(out)
    if fmt == "shp":
        _write_shapefile(table, target)
    else:
        options = {"RFC7946": "YES", "WRITE_NAME": "NO"} if fmt == "geojson" else {}
        with atomic_output(target) as tmp:
            tmp.unlink()  # GDAL creates the file itself
            pyogrio.write_dataframe(_frame(table, shapefile=False), tmp, driver=DRIVERS[fmt],
                                    layer=LAYER, layer_options=options)
    report(total, total, f"已导出 {len(table):,} 件")
    return len(table)


def _write_shapefile(table: CaseTable, target: Path) -> None:
    stem = target.stem if target.suffix.lower() == ".shp" else target.name
    with atomic_folder(target.parent) as folder:
        pyogrio.write_dataframe(_frame(table, shapefile=True), folder / f"{stem}.shp",
                                driver=DRIVERS["shp"], encoding="UTF-8")
        lines = [f"{quote('字段名')},{quote('列名')}"]
        lines += [f"{quote(c.shp)},{quote(c.header)}" for c in table.columns]
        (folder / f"{stem}.fields.csv").write_bytes(
            ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
