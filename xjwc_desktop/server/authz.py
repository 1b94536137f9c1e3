"""What each device role may change. The server decides; a workstation's own checks are a
courtesy to its user, never the rule."""

from __future__ import annotations

from sqlalchemy import Connection, text

from xjwc_desktop.server.devices import Device

REFERENCE = frozenset({"departments", "categories", "inspectors", "patrol_zones", "unit_grids"})
REGISTERS = frozenset({"compounds", "illegal_structures", "census_records", "bike_stations"})
CASE_TABLES = frozenset({"cases", "case_events", "case_notes", "case_attachments"})
CONFLICTS = "sync_conflicts"
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


def refusal(conn: Connection, device: Device, tbl: str, op: str, server_row: dict | None,
            after: dict) -> str | None:
    """Why ``device`` may not make this change, or None if it may.

    ``after`` is the row as the device would leave it (for an update: base and edits).
    """
    if tbl not in WRITABLE.get(device.role, frozenset()):
        return f"设备“{device.name}”（{device.role}）无权修改 {tbl}"
    if tbl == CONFLICTS:
        if op == "insert" or server_row is None:
            return "冲突记录只由服务器生成"
        changed = {c for c, v in after.items() if server_row.get(c) != v
                   and c not in ("updated_at", "written_by")}
        if changed - RESOLUTION_FIELDS:
            return "冲突记录只能修改其处理结果"
    if device.role != "inspector":
        return None
    if tbl == "cases":  # both where the case is and where the edit would put it
        zones = {after.get("zone_code")} | ({server_row.get("zone_code")} if server_row else set())
    elif tbl in CASE_TABLES:
        zones = {_case_zone(conn, after.get("case_id"))}
    elif tbl == CONFLICTS:
        if server_row["tbl"] != "cases":
            return "巡查员终端只能处理案件的冲突记录"
        zones = {_case_zone(conn, server_row["row_id"])}
    if zones != {device.zone}:
        return f"巡查员终端“{device.name}”只能修改本巡查区（{device.zone}）的案件"
    return None
