"""The columns of a case export, in the order and with the Chinese headers users see.

Every format (CSV, XLSX, GIS, PDF, HTML) takes its columns from :data:`COLUMNS`, so a case
list reads the same whichever tool opens it. Coded values (source, status, zone, category,
department, inspector) are shown by their Chinese names, looked up once per export.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from xjwc_desktop.core.exchange.sqltext import visible_controls_sql
from xjwc_desktop.core.model import CaseSource, CaseStatus, ZoneCode


@dataclass(frozen=True)
class ExportColumn:
    """One output column.

    ``kind`` says how it is written: ``text`` (our own codes), ``free`` (text typed by
    people or taken from files: guarded against formula injection, control characters
    shown as symbols), ``label`` (a code shown
    by its name from :func:`load_labels`, ``lookup`` naming the table), ``number``,
    ``datetime`` and ``flag`` (是/否, computed, not stored). ``shp`` is the field name in a
    shapefile, whose dBASE table allows at most 10 ASCII characters.
    """

    key: str
    header: str
    kind: str
    sql: str
    width: float
    shp: str
    lookup: str | None = None


C = ExportColumn
COLUMNS: tuple[ExportColumn, ...] = (
    C("case_no", "案卷号", "text", "c.case_no", 18, "case_no"),
    C("external_no", "外部工单号", "free", visible_controls_sql("c.external_no"), 20, "ext_no"),
    C("source", "来源", "label", "c.source", 10, "source", "source"),
    C("category", "类别", "label", "c.category_code", 14, "category", "category"),
    C("status", "状态", "label", "c.status", 7, "status", "status"),
    C("department", "处置部门", "label", "c.department_id", 16, "dept", "department"),
    C("inspector", "巡查员", "label", "c.inspector_id", 8, "inspector", "inspector"),
    C("zone", "巡查区", "label", "c.zone_code", 11, "zone", "zone"),
    C("grid_code", "单元网格", "text", "c.grid_code", 17, "grid_code"),
    C("address", "地址", "free", visible_controls_sql("c.address"), 24, "address"),
    C("lon", "经度(WGS84)", "number", "c.lon", 12, "lon"),
    C("lat", "纬度(WGS84)", "number", "c.lat", 11, "lat"),
    C("description", "问题描述", "free", visible_controls_sql("c.description"), 40, "descr"),
    C("reported_at", "上报时间", "datetime", "c.reported_at", 17, "reported"),
    C("registered_at", "立案时间", "datetime", "c.registered_at", 17, "registered"),
    C("dispatched_at", "派遣时间", "datetime", "c.dispatched_at", 17, "dispatched"),
    C("handled_at", "处置时间", "datetime", "c.handled_at", 17, "handled"),
    C("verified_at", "核查时间", "datetime", "c.verified_at", 17, "verified"),
    C("closed_at", "结案时间", "datetime", "c.closed_at", 17, "closed"),
    C("deadline_at", "处置时限", "datetime", "c.deadline_at", 17, "deadline"),
    C("overdue", "是否超期", "flag", "", 9, "overdue"),
)
#: GCJ-02 positions (Amap/Tencent), added after the WGS84 ones on request.
GCJ02_COLUMNS: tuple[ExportColumn, ...] = (
    C("lon_gcj02", "经度(GCJ-02)", "number", "", 12, "lon_gcj"),
    C("lat_gcj02", "纬度(GCJ-02)", "number", "", 11, "lat_gcj"),
)


def export_columns(gcj02: bool = False) -> tuple[ExportColumn, ...]:
    """The columns of an export, with the GCJ-02 pair right after WGS84 if asked for."""
    if not gcj02:
        return COLUMNS
    at = next(i for i, c in enumerate(COLUMNS) if c.key == "lat") + 1
    return COLUMNS[:at] + GCJ02_COLUMNS + COLUMNS[at:]


def load_labels(conn: Connection) -> dict[str, dict[str, str]]:
    """Code → Chinese name for every ``lookup`` of :data:`COLUMNS` (deleted rows included:
    an old case keeps showing the department it was dispatched to)."""
    def table(sql: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in conn.exec_driver_sql(sql)}

    return {
        "source": {s.value: s.label for s in CaseSource},
        "status": {s.value: s.label for s in CaseStatus},
        "zone": {z.value: z.label for z in ZoneCode},
        "category": table("SELECT code, name FROM categories"),
        "department": table("SELECT id, name FROM departments"),
        "inspector": table("SELECT id, name FROM inspectors"),
    }


def shapefile_field_names(gcj02: bool = False) -> dict[str, str]:
    """Chinese header → shapefile field name (documented in the README and written beside
    every shapefile export as ``<name>.fields.csv``)."""
    return {c.header: c.shp for c in export_columns(gcj02)}
