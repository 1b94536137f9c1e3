"""The case sheet (案卷): one case on paper, with its deadline, a map and its history.

What an operator prints for the file or hands to a department: every field of the case,
the traffic light of its time limit, where it is (a map 600 m around it, unit grids
drawn), and the timeline of its steps, each with time, role, department and note.
"""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import Connection

from xjwc_desktop.core.exchange.atomic import atomic_output
from xjwc_desktop.core.exchange.columns import export_columns
from xjwc_desktop.core.exchange.pdf_doc import FAMILY, CasePdf, save
from xjwc_desktop.core.exchange.pdf_list import HEADINGS
from xjwc_desktop.core.exchange.pdf_map import around, draw_map
from xjwc_desktop.core.exchange.selection import CaseSelection
from xjwc_desktop.core.exchange.table import fetch_cases
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.workflow.deadlines import deadline_state
from xjwc_desktop.core.workflow.engine import WorkflowError
from xjwc_desktop.core.workflow.rules import Action

STEP_LABELS = {"report": "受理", **{a.value: a.label for a in Action}}
STATUS_LABELS = {s.value: s.label for s in CaseStatus}
CASE_RED = (192, 57, 43)


def _history(conn: Connection, case_id: str) -> list[dict]:
    return [dict(r) for r in conn.exec_driver_sql(
        "SELECT e.seq, e.at, e.action, e.from_status, e.to_status, e.actor_role, "
        "e.actor_name, d.name AS department, e.note FROM case_events e "
        "LEFT JOIN departments d ON d.id = e.department_id WHERE e.case_id = ? "
        "ORDER BY e.seq", (case_id,)).mappings()]


def _extra(conn: Connection, case_id: str) -> dict:
    return dict(conn.exec_driver_sql(
        "SELECT c.reporter_name, c.reporter_phone, c.status, c.registered_at, c.deadline_at, "
        "c.handled_at, c.suspended_at, c.rework_count, c.escalated, k.major "
        "FROM cases c JOIN categories k ON k.code = c.category_code WHERE c.id = ?",
        (case_id,)).mappings().one())


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text[:19]) if text else None


def write_case_sheet(conn: Connection, ref: str, out: str | os.PathLike[str], *,
                     now: dt.datetime) -> str:
    """Write the sheet of case ``ref`` (id or case number); returns its case number."""
    table = fetch_cases(conn, CaseSelection(case_ids=(ref,)), export_columns(gcj02=True), now)
    if len(table) != 1:
        raise WorkflowError(f"找不到案件“{ref}”（按案件 id 或案卷号查找）。")
    v = {k: vals[0] for k, vals in table.values.items()}
    extra = _extra(conn, table.ids[0])
    state = deadline_state(_time(extra["registered_at"]), _time(extra["deadline_at"]),
                           _time(extra["handled_at"]), CaseStatus(extra["status"]),
                           _time(extra["suspended_at"]), now)
    pdf = CasePdf(f"案卷 {v['case_no']}", now)
    pdf.add_page()
    pdf.heading(f"案卷 {v['case_no']}　{v['category'] or ''}")
    fields = [
        ("案卷号", v["case_no"]), ("外部工单号", v["external_no"]),
        ("来源", v["source"]), ("类别", f"{extra['major']} / {v['category']}"),
        ("状态", v["status"] + ("（督办）" if extra["escalated"] else "")),
        ("处置部门", v["department"]), ("巡查员", v["inspector"]), ("巡查区", v["zone"]),
        ("单元网格", v["grid_code"]), ("返工次数", str(extra["rework_count"])),
        ("反映人", extra["reporter_name"]), ("联系电话", extra["reporter_phone"]),
        ("经纬度(WGS84)", f"{v['lon']:.6f}, {v['lat']:.6f}"),
        ("经纬度(GCJ-02)", f"{v['lon_gcj02']:.6f}, {v['lat_gcj02']:.6f}"),
    ]
    with pdf.table(col_widths=(26, 67, 26, 67), line_height=5, text_align="LEFT",
                   first_row_as_headings=False, cell_fill_mode="NONE",
                   wrapmode="CHAR") as grid:
        for i in range(0, len(fields), 2):
            row = grid.row()
            for label, value in fields[i:i + 2]:
                pdf.set_font(FAMILY, "B", 9)
                row.cell(label)
                pdf.set_font(FAMILY, "", 9)
                row.cell(value or "")
    pdf.ln(2)
    for label, value in (("地址", v["address"]), ("问题描述", v["description"])):
        pdf.set_font(FAMILY, "B", 9)
        pdf.cell(26, 5, label)
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(0, 5, value or "", new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
    limit = "无时限（未立案或已作废）" if state.deadline_at is None else (
        f"处置时限 {state.deadline_at:%Y-%m-%d %H:%M}，已用 {state.used_minutes / 60:.1f} / "
        f"{state.allowed_minutes / 60:.1f} 工作时，{state.light.label}"
        + ("（已超期）" if v["overdue"] == "是" else ""))
    pdf.set_font(FAMILY, "B", 9)
    pdf.cell(26, 5, "时限")
    pdf.set_font(FAMILY, "", 9)
    pdf.multi_cell(0, 5, limit, new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
    pdf.ln(2)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    draw_map(pdf, (pdf.l_margin, pdf.get_y(), width, 80), around(v["lon"], v["lat"], 350),
             [(v["lon"], v["lat"], CASE_RED)], grids=True, point_mm=1.8)
    pdf.set_y(pdf.get_y() + 83)
    pdf.heading("办理经过", size=12)
    pdf.set_font(FAMILY, "", 8)
    with pdf.table(col_widths=(9, 28, 22, 24, 30, 30, 43), line_height=4,
                   text_align="LEFT", repeat_headings=1, headings_style=HEADINGS,
                   cell_fill_mode="NONE", wrapmode="CHAR") as grid:
        head = grid.row()
        for text in ("序号", "时间", "环节", "状态", "角色/经办人", "部门", "说明"):
            head.cell(text)
        for e in _history(conn, table.ids[0]):
            row = grid.row()
            moved = (f"{STATUS_LABELS.get(e['from_status'], '—')} → "
                     f"{STATUS_LABELS.get(e['to_status'], e['to_status'])}"
                     if e["from_status"] else STATUS_LABELS.get(e["to_status"], ""))
            for text in (str(e["seq"]), (e["at"] or "")[:16],
                         STEP_LABELS.get(e["action"], e["action"]), moved,
                         e["actor_role"] + (f" {e['actor_name']}" if e["actor_name"] else ""),
                         e["department"] or "", e["note"] or ""):
                row.cell(text)
    with atomic_output(out) as tmp:
        save(pdf, tmp)
    return v["case_no"]
