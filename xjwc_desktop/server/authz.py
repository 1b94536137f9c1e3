"""What each device role may change. The server decides; a workstation's own checks are a
courtesy to its user, never the rule."""

from __future__ import annotations

from sqlalchemy import Connection, text

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.server.devices import Device

REFERENCE = frozenset({"departments", "categories", "inspectors", "patrol_zones", "unit_grids"})
REGISTERS = frozenset({"compounds", "illegal_structures", "census_records", "bike_stations"})
CASE_TABLES = frozenset({"cases", "case_events", "case_notes", "case_attachments"})
CONFLICTS = "sync_conflicts"
HISTORY = "case_events"
#: Case columns that place it: a change to any of them is checked against the map.
POSITION = frozenset({"lon", "lat", "zone_code"})
#: What a workstation may change in a conflict record: its resolution, nothing else.
RESOLUTION_FIELDS = frozenset({"resolved_at", "resolved_by", "resolution"})

WRITABLE = {
    "admin": REFERENCE | REGISTERS | CASE_TABLES | {CONFLICTS},
    "operator": REGISTERS | CASE_TABLES | {CONFLICTS},
    "inspector": CASE_TABLES | {CONFLICTS},
    "viewer": frozenset(),
}


def _case_zone(conn: Connection, case_id: str | None) -> str | None:
    if case_id is None:
        return None
    return conn.execute(text("SELECT zone_code FROM cases WHERE id = :i"), {"i": case_id}).scalar()


def after_change(op: str, server_row: dict | None, change: dict) -> dict:
    """The row as this change would leave it, from the server's own row: the device's
    ``base`` and ``stamp`` say what it saw, never what is."""
    if op == "insert":
        return change["row"]
    if server_row is None:  # an update of a row the server never had: what the device sent
        return {**(change.get("base") or {}), **(change.get("new") or {})}
    return {**server_row, **(change.get("new") or {})}


def refusal(conn: Connection, device: Device, tbl: str, op: str, server_row: dict | None,
            change: dict) -> str | None:
    """Why ``device`` may not make this change, or None if it may."""
    after = after_change(op, server_row, change)
    if tbl not in WRITABLE.get(device.role, frozenset()):
        return f"设备“{device.name}”（{device.role}）无权修改 {tbl}"
    if tbl == HISTORY and op != "insert":
        return "案件历史只能追加，不能修改或删除（如确需更正，由管理员在服务器上处理）"
    if tbl == CONFLICTS:
        if op == "insert" or server_row is None:
            return "冲突记录只由服务器生成"
        changed = {c for c, v in after.items() if server_row.get(c) != v
                   and c not in ("updated_at", "written_by")}
        if changed - RESOLUTION_FIELDS:
            return "冲突记录只能修改其处理结果"
    if tbl == "cases":
        misplaced = _misplaced(op, server_row, change, after)
        if misplaced:
            return misplaced
    if device.role != "inspector":
        return None
    if tbl == "cases":  # both where the case is and where the edit would put it
        zones = {after.get("zone_code")} | ({server_row.get("zone_code")} if server_row else set())
    elif tbl in CASE_TABLES:
        zones = {_case_zone(conn, after.get("case_id"))}
        if server_row is not None:
            zones.add(_case_zone(conn, server_row.get("case_id")))
    elif tbl == CONFLICTS:
        if server_row["tbl"] != "cases":
            return "巡查员终端只能处理案件的冲突记录"
        zones = {_case_zone(conn, server_row["row_id"])}
    if zones != {device.zone}:
        return f"巡查员终端“{device.name}”只能修改本巡查区（{device.zone}）的案件"
    return None


def _misplaced(op: str, server_row: dict | None, change: dict, after: dict) -> str | None:
    """A case's position must lie in the street and its zone be the position's zone,
    checked when the change sets either (old rows are not judged by an unrelated edit)."""
    if op != "insert" and server_row is None:
        return None  # an edit of a row the server lacks writes nothing (a conflict record)
    touched = op == "insert" or bool(POSITION & set(change.get("new") or {}))
    if not touched:
        return None
    lon, lat = after.get("lon"), after.get("lat")
    if lon is None or lat is None:
        return "案件须有坐标"
    zone = load_map_data().zone_at(lon, lat)
    if zone is None:
        return f"坐标 ({lon:.6f}, {lat:.6f}) 不在新江湾城街道范围内"
    if after.get("zone_code") != zone:
        return f"巡查区应为该坐标所在的“{zone}”，而不是“{after.get('zone_code')}”"
    return None
