"""A printable case list: a map of where the cases are, then a table, A4 landscape.

A printed list is read by people (leaders, departments), so it carries the columns they
act on rather than all of them; the spreadsheet formats have the rest. Long lists belong
in a spreadsheet: beyond :data:`MAX_CASES` the PDF is refused with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import os

from fpdf.fonts import FontFace
from sqlalchemy import Connection

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange.atomic import atomic_output
from xjwc_desktop.core.exchange.columns import export_columns
from xjwc_desktop.core.exchange.pdf_doc import FAMILY, CasePdf, save
from xjwc_desktop.core.exchange.pdf_map import draw_map, street_bbox
from xjwc_desktop.core.exchange.progress import Progress, Throttle
from xjwc_desktop.core.exchange.rows import count_cases
from xjwc_desktop.core.exchange.selection import SqlFilter
from xjwc_desktop.core.exchange.table import fetch_cases
from xjwc_desktop.core.geo.mapdata import load_map_data

MAX_CASES = 5_000  # about 200 pages
#: (column key, width in mm) of the printed table; A4 landscape leaves 273 mm.
PRINTED = (("case_no", 33), ("source", 17), ("category", 24), ("status", 11),
           ("department", 27), ("zone", 19), ("address", 36), ("description", 46),
           ("reported_at", 23), ("deadline_at", 23), ("overdue", 14))
OVERDUE_RED = (192, 57, 43)
HEADINGS = FontFace(family=FAMILY, emphasis="BOLD", fill_color=(221, 235, 247))
POINT_COLOUR = (41, 128, 185)


def write_case_list_pdf(conn: Connection, out: str | os.PathLike[str], selection: SqlFilter,
                        *, now: dt.datetime, progress: Progress | None = None,
                        title: str = "案件清单") -> int:
    """Write the selected cases as a printable list; returns their number."""
    report = Throttle(progress)
    total = count_cases(conn, selection)
    if total > MAX_CASES:
        raise InputError(f"PDF 清单最多 {MAX_CASES:,} 件，所选案件有 {total:,} 件："
                         "请缩小筛选范围，或导出为 XLSX。")
    report(0, total, "读取案件（PDF）")
    table = fetch_cases(conn, selection, export_columns(), now)
    headers = {c.key: c.header for c in table.columns}
    pdf = CasePdf(title, now, landscape=True)
    pdf.add_page()
    pdf.heading(title)
    pdf.multi_cell(0, 5, f"共 {len(table):,} 件，超期 {table.values['overdue'].count('是'):,} 件"
                   f"（截至 {now:%Y-%m-%d %H:%M}）。坐标为 WGS84。", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.ln(2)
    points = [(lon, lat, OVERDUE_RED if flag == "是" else POINT_COLOUR)
              for lon, lat, flag in zip(table.values["lon"], table.values["lat"],
                                        table.values["overdue"], strict=True)]
    map_h = pdf.h - pdf.get_y() - 20
    draw_map(pdf, (pdf.l_margin, pdf.get_y(), pdf.w - pdf.l_margin - pdf.r_margin, map_h),
             street_bbox(load_map_data()), points, point_mm=0.9 if len(points) > 500 else 1.3)
    pdf.set_y(pdf.get_y() + 2)
    pdf.add_page()
    pdf.set_font(FAMILY, "", 7.5)
    with pdf.table(col_widths=[w for _, w in PRINTED], width=sum(w for _, w in PRINTED),
                   line_height=3.6, text_align="LEFT", repeat_headings=1,
                   headings_style=HEADINGS, cell_fill_mode="NONE",
                   first_row_as_headings=True, wrapmode="CHAR") as grid:
        head = grid.row()
        for key, _ in PRINTED:
            head.cell(headers[key])
        for i in range(len(table)):
            row = grid.row()
            for key, _ in PRINTED:
                value = table.values[key][i]
                if key.endswith("_at") and value:
                    value = value[:16]
                row.cell("" if value is None else str(value))
            if i % 200 == 0:
                report(i, total, f"排版 PDF：{i:,}/{total:,} 件")
    with atomic_output(out) as tmp:
        save(pdf, tmp)
    report(total, total, f"已导出 {len(table):,} 件")
    return len(table)
