"""Checking a whole import file against the database, before anything is written.

Every data row ends in exactly one list: ``good`` (to be added), ``already`` (its key is in
the database: reported, not added, not an error), ``bad`` (with its row number and every
reason) or ``unlocated`` (valid, but with neither coordinates nor an address we can place:
kept out of the database, listed, and written to a companion file to complete and import
again). Positions are converted to WGS84 and checked against the street for all rows at
once. The plan only reads, so a refused or dry-run import leaves the database untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.exchange.crs import CRS_LABELS, to_wgs84
from xjwc_desktop.core.exchange.kinds import ImportKind
from xjwc_desktop.core.exchange.locate import AddressLocator
from xjwc_desktop.core.exchange.mapping import ColumnMap, map_columns
from xjwc_desktop.core.exchange.progress import Progress, Throttle
from xjwc_desktop.core.exchange.readers import RawTable
from xjwc_desktop.core.exchange.row_values import RowValues
from xjwc_desktop.core.geo.mapdata import load_map_data


@dataclass(frozen=True)
class RowNote:
    row: int  # the file's row number
    key: str | None
    reason: str


@dataclass
class ImportPlan:
    kind: ImportKind
    description: str
    column_map: ColumnMap
    crs: str
    rows_total: int = 0
    good: list[dict] = field(default_factory=list)
    already: list[RowNote] = field(default_factory=list)
    bad: list[RowNote] = field(default_factory=list)
    unlocated: list[RowNote] = field(default_factory=list)
    unlocated_cells: list[list[object]] = field(default_factory=list)

    @property
    def placed_by_address(self) -> int:
        return sum(1 for v in self.good if v.get("placed_by"))


def existing_keys(conn: Connection, kind: ImportKind) -> set[str]:
    """Keys already used, soft-deleted rows included (the unique index counts them too)."""
    if kind.source is not None:
        rows = conn.exec_driver_sql(
            "SELECT external_no FROM cases WHERE source = ? AND external_no IS NOT NULL",
            (kind.source.value,))
    else:
        rows = conn.exec_driver_sql(f"SELECT code FROM {kind.table}")
    return {r[0] for r in rows}


def _categories(conn: Connection) -> dict[str, str]:
    out = {}
    for code, name in conn.exec_driver_sql(
            "SELECT code, name FROM categories WHERE deleted_at IS NULL AND active"):
        out[code] = out[name] = code
    return out


def plan_import(conn: Connection, kind: ImportKind, table: RawTable, *, crs: str = "wgs84",
                overrides: dict[str, str | None] | None = None, now: dt.datetime,
                progress: Progress | None = None) -> ImportPlan:
    """Check every row of ``table`` as ``kind`` (positions given in ``crs``)."""
    report = Throttle(progress)
    cmap = map_columns(table.rows, kind, overrides)
    plan = ImportPlan(kind, table.description, cmap, crs)
    parser = RowValues(kind, cmap.columns, _categories(conn), now)
    known = existing_keys(conn, kind)
    first_row: dict[str, int] = {}
    candidates: list[tuple[int, list[object], dict]] = []
    data = list(zip(table.row_numbers[cmap.header_row + 1:],
                    table.rows[cmap.header_row + 1:], strict=True))
    plan.rows_total = len(data)
    for n, (number, row) in enumerate(data):
        if n % 2000 == 0:
            report(n, len(data), f"检查第 {n:,}/{len(data):,} 行")
        key = parser.key(row)
        if key is None:
            plan.bad.append(RowNote(number, None, f"缺少{kind.field(kind.key).label}"))
            continue
        if key in first_row:
            plan.bad.append(RowNote(number, key, f"{kind.field(kind.key).label}“{key}”与第 "
                                                 f"{first_row[key]} 行重复"))
            continue
        first_row[key] = number
        if key in known:
            plan.already.append(RowNote(number, key, "已在库中"))
            continue
        values, errors = parser.parse(row)
        # A row with errors still has its position checked, so all its faults are
        # reported at once.
        values["_row"], values["_errors"] = number, errors
        candidates.append((number, row, values))
    _place(plan, candidates, AddressLocator(conn))
    report(len(data), len(data), f"检查完毕：{len(plan.good):,} 行可导入")
    return plan


def _place(plan: ImportPlan, candidates: list[tuple[int, list[object], dict]],
           locator: AddressLocator) -> None:
    """Positions in WGS84, inside the street, with patrol zone and unit grid; or unlocated."""
    maps = load_map_data()
    n = len(candidates)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    given_crs = np.array([plan.crs] * n, dtype=object)
    for i, (_, _, v) in enumerate(candidates):
        if "lon" in v and "lat" in v:
            lon[i], lat[i] = v["lon"], v["lat"]
        elif "lon_gcj02" in v and "lat_gcj02" in v:
            lon[i], lat[i], given_crs[i] = v["lon_gcj02"], v["lat_gcj02"], "gcj02"
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    for crs in set(given_crs.tolist()):
        pick = (given_crs == crs) & np.isfinite(lon)
        if pick.any():
            x[pick], y[pick] = to_wgs84(lon[pick], lat[pick], crs)
    has = np.isfinite(x)
    inside = np.zeros(n, dtype=bool)
    inside[has] = maps.contains(x[has], y[has])
    for i, (number, row, v) in enumerate(candidates):
        key = v.get(plan.kind.key)
        errors = v.pop("_errors")
        if has[i] and not inside[i]:
            errors.append(_outside(lon[i], lat[i], given_crs[i], maps))
        if errors:
            plan.bad.append(RowNote(number, key, "；".join(errors)))
            continue
        if not has[i]:
            place = locator.locate(v.get("address") or v.get("name"))
            if place is None:
                where = f"地址“{v['address']}”" if v.get("address") else "没有地址"
                plan.unlocated.append(RowNote(number, key, f"没有坐标，{where}无法定位"))
                plan.unlocated_cells.append(row)
                continue
            x[i], y[i] = place.lon, place.lat
            v["placed_by"] = place.name
            v["compound_id"] = place.compound_id
        v["lon"], v["lat"] = float(x[i]), float(y[i])
        plan.good.append(v)
    if plan.good:
        gx = np.array([v["lon"] for v in plan.good])
        gy = np.array([v["lat"] for v in plan.good])
        for v, zone, grid in zip(plan.good, maps.zone_of(gx, gy).tolist(),
                                 maps.grid_code_of(gx, gy).tolist(), strict=True):
            v["zone_code"], v["grid_code"] = zone or None, grid or None
    plan.bad.sort(key=lambda note: note.row)


def _outside(lon: float, lat: float, crs: str, maps) -> str:
    text = f"坐标（{lon:.6f}, {lat:.6f}，{CRS_LABELS[crs]}）不在新江湾城街道范围内"
    if 30 < lon < 33 and 120 < lat < 123:
        return text + "：经纬度可能填反了"
    for other in ("gcj02", "bd09", "wgs84"):
        if other != crs:
            ox, oy = to_wgs84(np.array([lon]), np.array([lat]), other)
            if maps.contains(ox, oy)[0]:
                return text + f"；若按 {CRS_LABELS[other]} 则在街道内，请用 --crs {other}"
    return text
