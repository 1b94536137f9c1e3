"""XLSX exports read back with openpyxl: typed cells, frozen header, filter, widths, no
formulas, and the same rows as the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile

import openpyxl
import pytest
import python_calamine

from tests.core.exchange_helpers import HYPERLINK, NOW, add_hostile_cases
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange import xlsx_export
from xjwc_desktop.core.exchange.columns import export_columns
from xjwc_desktop.core.exchange.export import export_cases
from xjwc_desktop.core.exchange.selection import ALL, CaseSelection
from xjwc_desktop.core.exchange.snapshot import read_only
from xjwc_desktop.core.storage.database import open_database


def export(db_path, fmt, out, selection=ALL, **kwargs):
    with read_only(db_path) as conn:
        return export_cases(conn, fmt, out, selection, now=NOW, **kwargs)


def test_cells_are_typed_and_the_sheet_is_set_up_for_reading(demo_db_path, tmp_path):
    out = tmp_path / "案件.xlsx"
    result = export(demo_db_path, "xlsx", out, CaseSelection(sources=("hotline",)), gcj02=True)
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    columns = export_columns(gcj02=True)
    assert ws.title == "案件"
    assert [c.value for c in ws[1]] == [c.header for c in columns]
    assert ws.max_row == result.cases + 1 == 126
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(columns))}126"
    assert ws.column_dimensions["A"].width == 18
    assert ws.column_dimensions["O"].width == 40  # 问题描述 (after the GCJ-02 pair)
    col = {c.key: i for i, c in enumerate(columns)}
    for row in ws.iter_rows(min_row=2):
        assert isinstance(row[col["reported_at"]].value, dt.datetime)
        assert row[col["reported_at"]].number_format == "yyyy-mm-dd hh:mm"
        assert isinstance(row[col["lon"]].value, float)
        assert isinstance(row[col["lat_gcj02"]].value, float)
        assert row[col["source"]].value == "12345热线"
        assert row[col["grid_code"]].data_type == "s"  # 15 digits: text, not a rounded number
        assert row[col["overdue"]].value in ("是", "否", None)


def test_xlsx_and_csv_carry_the_same_values(demo_db_path, tmp_path):
    sel = CaseSelection(sources=("wechat",))
    export(demo_db_path, "xlsx", tmp_path / "w.xlsx", sel)
    export(demo_db_path, "csv", tmp_path / "w.csv", sel)
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx").active
    with (tmp_path / "w.csv").open(encoding="utf-8-sig", newline="") as fh:
        csv_rows = list(csv.reader(fh))
    assert len(csv_rows) == ws.max_row == 50
    for csv_row, xlsx_row in zip(csv_rows[1:], ws.iter_rows(min_row=2, values_only=True),
                                 strict=True):
        for text, value in zip(csv_row, xlsx_row, strict=True):
            if isinstance(value, dt.datetime):
                assert text == f"{value:%Y-%m-%d %H:%M:%S}"
            elif isinstance(value, float):
                assert float(text) == pytest.approx(value, abs=1e-7)
            else:
                assert text == (value or "")


def test_citizen_text_never_becomes_a_formula(demo_db_path, tmp_path):
    db = open_database(demo_db_path)
    made = add_hostile_cases(db)
    db.close()
    out = tmp_path / "h.xlsx"
    export(demo_db_path, "xlsx", out, CaseSelection(case_ids=tuple(made.values())))
    ws = openpyxl.load_workbook(out).active
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    description = rows[made["formula"]][12]
    assert description.value == HYPERLINK
    assert description.data_type == "s"
    assert description.style_id
    assert description.quotePrefix
    assert rows[made["formula"]][1].value == "=EXT0"
    assert rows[made["formula"]][9].value == "+1+1"
    # Control characters dropped (XML cannot carry them), line breaks and quotes kept,
    # Excel's _xHHHH_ escape not applied to the citizen's text.
    assert rows[made["script"]][12].value == "<img src=x onerror=alert(1)>"
    assert rows[made["quotes"]][12].value == '他说"你好", 然后走了\n第二行'
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_control_characters_and_excel_escapes_in_stored_text(demo_db_path, tmp_path):
    db = open_database(demo_db_path)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET description = ?, address = ? WHERE rowid = 1",
                             ("垂直\x0b制表\x01符", "含_x0041_转义"))
        case_no = conn.exec_driver_sql("SELECT case_no FROM cases WHERE rowid = 1").scalar()
    db.close()
    out = tmp_path / "c.xlsx"
    export(demo_db_path, "xlsx", out, CaseSelection(case_ids=(case_no,)))
    ws = openpyxl.load_workbook(out).active
    # XML cannot carry them: each is shown as its symbol, never silently dropped.
    assert ws["M2"].value == "垂直␋制表␁符"
    # Excel reads "_x0041_" in a cell as an escaped "A" (ECMA-376 ST_Xstring), so the
    # underscore is escaped in the file; calamine decodes it as Excel does (openpyxl does
    # not decode inline strings, so it is no judge of this one).
    with zipfile.ZipFile(out) as zf:
        assert "含_x005F_x0041_转义" in zf.read("xl/worksheets/sheet1.xml").decode()
    sheet = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0)
    assert sheet.to_python()[1][9] == "含_x0041_转义"


def test_more_rows_than_a_sheet_holds_is_refused_with_advice(demo_db_path, tmp_path,
                                                              monkeypatch):
    monkeypatch.setattr(xlsx_export, "MAX_ROWS", 100)
    out = tmp_path / "big.xlsx"
    with pytest.raises(InputError, match="CSV"):
        export(demo_db_path, "xlsx", out)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite"]


def test_every_row_and_cell_carries_its_reference_in_order(demo_db_path, tmp_path):
    out = tmp_path / "all.xlsx"
    result = export(demo_db_path, "xlsx", out, gcj02=True)
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', sheet)]
    assert numbers == list(range(1, result.cases + 2))
    cells = re.findall(r'<c r="([A-Z]+)(\d+)"', sheet)
    assert all(int(row) in (1, *numbers) for _, row in cells[:50_000:97])
    ws = openpyxl.load_workbook(out, read_only=True).active
    times = [r[0] for r in ws.iter_rows(min_row=2, min_col=16, max_col=16, values_only=True)]
    assert len(times) == result.cases
    assert times == sorted(times)


def test_times_are_exact_to_the_second_as_spreadsheets_show_them(demo_db_path, tmp_path):
    # A serial a few µs below the minute shows as the minute before in LibreOffice and WPS
    # (10:46 as 10:45): each serial must be the double nearest to the exact time.
    from fractions import Fraction

    out = tmp_path / "times.xlsx"
    export(demo_db_path, "xlsx", out)
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    styles = zipfile.ZipFile(out).read("xl/styles.xml").decode()
    assert "numFmt" in styles
    serials = re.findall(r'<c r="[A-Z]+\d+" s="(\d+)"><v>([0-9.]+)</v></c>', sheet)
    stamps = [v for s, v in serials if s == str(xlsx_export.parts.STYLE_DATETIME)]
    assert len(stamps) > 50_000
    epoch = dt.datetime(1899, 12, 30)
    with read_only(demo_db_path) as conn:
        stored = sorted(dt.datetime.fromisoformat(t) for (t,) in conn.exec_driver_sql(
            "SELECT reported_at FROM cases UNION ALL SELECT dispatched_at FROM cases "
            "WHERE dispatched_at IS NOT NULL"))
    for text in stamps[::7]:
        value = float(text)
        seconds = round(value * 86400)
        assert value == float(Fraction(seconds, 86400)), text  # the nearest double
    shown = sorted((epoch + dt.timedelta(seconds=round(float(t) * 86400))) for t in stamps)
    assert set(stored) <= set(shown)
