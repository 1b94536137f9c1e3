"""The registers as tables: illegal structures, the unlicensed-building census, bike stations.

What the 登记册 views list (the same rows the map's register layers draw), labelled in the
operators' words, with each row's position so a row can be found on the map. Registers
are small (hundreds to a few thousand rows): read whole, in one read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from xjwc_desktop.core.model import StructureStatus, ZoneCode


@dataclass(frozen=True)
class Register:
    key: str  # the table
    title: str
    columns: tuple[str, ...]  # headers
    sql: str  # SELECT lon, lat, then one expression per column


#: 地址: the row's own address, else the name of the compound it lies in.
_ADDRESS = ("COALESCE(NULLIF(address, ''), "
            "(SELECT name FROM compounds WHERE compounds.id = compound_id))")

REGISTERS = (
    Register("illegal_structures", "违法建筑",
             ("编号", "状态", "地址", "面积(㎡)", "住宅", "发现日期", "拆除日期", "处置方式"),
             f"SELECT lon, lat, code, status, {_ADDRESS}, area_m2, residential, found_on, "
             "demolished_on, handled_by FROM illegal_structures WHERE deleted_at IS NULL "
             "ORDER BY found_on DESC, code"),
    Register("census_records", "无证建筑普查",
             ("编号", "地址", "用途", "面积(㎡)", "住宅", "普查日期"),
             f"SELECT lon, lat, code, {_ADDRESS}, use, area_m2, residential, surveyed_on "
             "FROM census_records WHERE deleted_at IS NULL ORDER BY surveyed_on DESC, code"),
    Register("bike_stations", "公益自行车站点",
             ("编号", "名称", "桩数", "在桩车辆", "巡查区", "运营方"),
             "SELECT lon, lat, code, name, capacity, bikes, zone_code, operator "
             "FROM bike_stations WHERE deleted_at IS NULL ORDER BY code"),
)
_LABELS = {s.value: s.label for s in StructureStatus} | {z.value: z.label for z in ZoneCode}


@dataclass(frozen=True)
class RegisterRows:
    register: Register
    rows: tuple[tuple[str, ...], ...]  # display texts
    positions: tuple[tuple[float, float], ...]  # (lon, lat) of each row, WGS84


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or value in (0, 1) and isinstance(value, int):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return _LABELS.get(value, str(value))


def register_rows(conn: Connection, register: Register) -> RegisterRows:
    rows, positions = [], []
    for lon, lat, *values in conn.exec_driver_sql(register.sql):
        rows.append([_text(v) for v in values])
        positions.append((lon, lat))
    if "地址" in register.columns:
        _fill_addresses(rows, positions, register.columns.index("地址"))
    return RegisterRows(register, tuple(tuple(r) for r in rows), tuple(positions))


def _fill_addresses(rows: list[list[str]], positions: list, column: int) -> None:
    """Rows recorded without an address (nor a compound) are named by the nearest road,
    as the cases are: 某路沿线."""
    missing = [i for i, row in enumerate(rows) if not row[column]
               and None not in positions[i]]
    if not missing:
        return
    import numpy as np

    from xjwc_desktop.core.geo.mapdata import load_map_data
    from xjwc_desktop.core.geo.measure import nearest_road_names

    lon = np.array([positions[i][0] for i in missing], dtype=float)
    lat = np.array([positions[i][1] for i in missing], dtype=float)
    for i, road in zip(missing, nearest_road_names(load_map_data(), lon, lat), strict=True):
        if road:
            rows[i][column] = f"{road}沿线"
