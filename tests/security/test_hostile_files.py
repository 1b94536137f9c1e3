"""Hostile spreadsheets (each generated here, small on disk) are refused while being read,
with a message naming what is wrong, before memory grows; control characters survive.

Every file is read in a child process that reports its peak memory growth (``ru_maxrss``):
the bound (300 MB) is generous, the hostile files asked for gigabytes before the limits.
"""

from __future__ import annotations

import os

import pytest

from tests.security.hostile import NS, read_in_child, write_xlsx
from xjwc_desktop.core.exchange.isolated import call_in_child, read_table_in_child
from xjwc_desktop.core.exchange.readers import FileRefused, read_table

GROWTH_MB = 300


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _rows(count: int):
    yield NS + "<sheetData>"
    yield f'<row r="1">{_inline("A1", "编号")}</row>'
    block = 10_000
    for start in range(2, count + 2, block):
        yield "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'
                      for n in range(start, min(start + block, count + 2)))
    yield "</sheetData></worksheet>"


def _refused(path, words: str) -> dict:
    outcome = read_in_child(path)
    assert words in outcome.get("refused", ""), outcome
    assert path.name in outcome["refused"]
    assert outcome["grew_mb"] < GROWTH_MB, outcome
    return outcome


@pytest.mark.parametrize("cell", [
    _inline("XFD1048576", "x"),
    '<c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c>',  # the reference not first
], ids=["reference-first", "reference-later"])
def test_a_cell_at_the_last_column_and_row_is_refused(tmp_path, cell):
    path = write_xlsx(tmp_path / "远端.xlsx", NS + "<sheetData>"
                      f'<row r="1">{_inline("A1", "编号")}</row>'
                      f'<row r="1048576">{cell}</row>'
                      "</sheetData></worksheet>")
    assert path.stat().st_size < 2000
    _refused(path, "第 16,384 列有内容，超过 500 列的上限")


def test_content_far_down_is_refused_by_the_grid_it_would_need(tmp_path):
    path = write_xlsx(tmp_path / "远行.xlsx", NS + "<sheetData>"
                      f'<row r="1">{_inline("A1", "编号")}{_inline("T1", "备注")}</row>'
                      f'<row r="1048576">{_inline("T1048576", "x")}</row>'
                      "</sheetData></worksheet>")
    _refused(path, "超过 10,000,000 个单元格的上限")


def test_cells_without_references_count_their_columns(tmp_path):
    cells = "<c><v>1</v></c>" * 20_000
    path = write_xlsx(tmp_path / "无引用.xlsx",
                      NS + f"<sheetData><row>{cells}</row></sheetData></worksheet>")
    _refused(path, "超过 500 列的上限")


def test_a_huge_declared_dimension_alone_is_harmless(tmp_path):
    path = write_xlsx(tmp_path / "范围.xlsx", NS + '<dimension ref="A1:XFD1048576"/>'
                      f'<sheetData><row r="1">{_inline("A1", "编号")}{_inline("B1", "名称")}'
                      f'</row><row r="2">{_inline("A2", "X1")}{_inline("B2", "站点")}</row>'
                      "</sheetData></worksheet>")
    outcome = read_in_child(path)
    assert outcome["first"] == [["编号", "名称"], ["X1", "站点"]], outcome
    assert outcome["grew_mb"] < GROWTH_MB


def test_a_huge_shared_string_is_refused(tmp_path):
    def shared():
        yield ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               'count="1" uniqueCount="1"><si><t>')
        for _ in range(64):
            yield "长" * (1 << 20)  # 64 Mi characters, 192 MB inflated
        yield "</t></si></sst>"
    path = write_xlsx(tmp_path / "长串.xlsx",
                      NS + '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                      "</sheetData></worksheet>", shared())
    assert path.stat().st_size < 2 * 2**20
    _refused(path, "有一段文字超过 256 KB")


def test_a_zip_inflating_past_the_limit_is_refused_before_reading(tmp_path):
    def sheet():
        yield NS + "<sheetData>"
        filler = "<!--" + "x" * (1 << 20) + "-->"
        for _ in range(600):  # 600 MiB of comments around no rows
            yield filler
        yield "</sheetData></worksheet>"
    path = write_xlsx(tmp_path / "膨胀.xlsx", sheet())
    assert path.stat().st_size < 4 * 2**20
    _refused(path, "解压后有 600 MB，超过 512 MB 的上限")


def test_rows_past_the_limit_are_refused_as_they_arrive(tmp_path):
    path = write_xlsx(tmp_path / "行多.xlsx", _rows(600_000))
    assert path.stat().st_size < 8 * 2**20
    _refused(path, "超过单次导入上限 500,000 行数据")


def test_a_csv_of_a_million_one_cell_rows_is_refused_while_reading(tmp_path):
    path = tmp_path / "行多.csv"
    path.write_bytes(b"1\n" * 1_200_000)
    _refused(path, "超过单次导入上限 500,000 行数据")


def test_a_csv_with_a_huge_cell_or_too_many_columns(tmp_path):
    cell = tmp_path / "长格.csv"
    cell.write_bytes(b"\xe7\xbc\x96\xe5\x8f\xb7\n\"" + b"x" * 10_000_000 + b"\"\n")
    _refused(cell, "第 2 行有一个单元格超过 131,072 个字符")
    wide = tmp_path / "宽.csv"
    wide.write_bytes(b"a\n" + b",".join([b"1"] * 100_000) + b"\n")
    _refused(wide, "第 2 行有 100,000 列，超过 500 列的上限")


def test_rows_within_the_limit_still_read(tmp_path):
    table = read_table(write_xlsx(tmp_path / "正常.xlsx", _rows(2_000)))
    assert len(table.rows) == 2_001
    assert table.rows[-1] == [2001]


CONTROLS = "前\x00后\x0b竖\x1f单\x7f删"
SHOWN = "前␀后␋竖␟单␡删"


def test_control_characters_in_a_csv_are_shown_not_cut(tmp_path):
    path = tmp_path / "控制.csv"
    path.write_text("编号,说明\nA1," + CONTROLS + "\nA2,普通的一行文字，足够长\n",
                    encoding="utf-8")
    assert read_table(path).rows[1] == ["A1", SHOWN]


def test_control_characters_in_an_xlsx_are_shown_not_cut(tmp_path):
    # XML cannot carry them raw: Excel writes _x0000_ and the like.
    escaped = "前_x0000_后_x000B_竖_x001F_单\x7f删"
    path = write_xlsx(tmp_path / "控制.xlsx", NS + "<sheetData>"
                      f'<row r="1">{_inline("A1", "编号")}{_inline("B1", "说明")}</row>'
                      f'<row r="2">{_inline("A2", "A1")}{_inline("B2", escaped)}</row>'
                      "</sheetData></worksheet>")
    assert read_table(path).rows[1] == ["A1", SHOWN]


@pytest.mark.parametrize("text", ["前\x00后", "\x00"])
def test_a_nul_survives_an_import_into_the_database(demo_db_path, tmp_path, text):
    from sqlalchemy import text as sql

    from xjwc_desktop.core.exchange.importer import import_file
    from xjwc_desktop.core.storage.database import open_database

    path = tmp_path / "站点.csv"
    path.write_text("站点编号,站点名称,地址,经度,纬度,车桩数,自行车数\n"
                    f"NUL1,{text},国权北路,121.5046,31.3268,20,10\n", encoding="utf-8")
    report = import_file(demo_db_path, "bikes", path)
    assert report.added == 1, report.lines()
    db = open_database(demo_db_path)
    try:
        with db.engine.connect() as conn:
            name = conn.execute(sql("SELECT name FROM bike_stations WHERE code = 'NUL1'")
                                ).scalar_one()
    finally:
        db.close()
    assert name == text.replace("\x00", "␀")


def _abort() -> None:
    os.abort()  # what a native reader does when an allocation fails


def test_a_reader_dying_in_its_child_process_becomes_a_message(tmp_path):
    path = tmp_path / "崩溃.xlsx"
    with pytest.raises(FileRefused, match="读取进程意外终止") as caught:
        call_in_child(path, _abort)
    assert "崩溃.xlsx" in str(caught.value)


def test_a_refusal_in_the_child_comes_back_as_it_is(tmp_path):
    path = write_xlsx(tmp_path / "远端.xlsx", NS + "<sheetData>"
                      f'<row r="1048576">{_inline("XFD1048576", "x")}</row>'
                      "</sheetData></worksheet>")
    with pytest.raises(FileRefused, match="超过 500 列的上限"):
        read_table_in_child(path)
    good = tmp_path / "好.csv"
    good.write_text("编号,名称\nX,站点\n", encoding="utf-8")
    assert read_table_in_child(good).rows == [["编号", "名称"], ["X", "站点"]]


def test_a_nul_stored_in_a_case_is_shown_in_every_export(demo_db_path, tmp_path):
    """Text from elsewhere (a sync, an older import) may hold a NUL: SQLite's text
    functions and GDAL stop at it, so exports cut the text there unless it is shown."""
    import json
    import sqlite3

    import openpyxl

    from tests.cli.test_cli import xjwc

    with sqlite3.connect(demo_db_path) as conn:
        case_no = conn.execute("SELECT case_no FROM cases ORDER BY rowid LIMIT 1").fetchone()[0]
        conn.execute("UPDATE cases SET description = ?, address = ? WHERE case_no = ?",
                     (CONTROLS, "=1+1\x00地址", case_no))
    texts = {}
    for fmt in ("csv", "xlsx", "geojson"):
        out = tmp_path / f"案件.{fmt}"
        done = xjwc("export", "--db", str(demo_db_path), "--out", str(out), "--ids", case_no)
        assert done.returncode == 0, done.stderr
        if fmt == "csv":
            texts[fmt] = out.read_text(encoding="utf-8-sig")
        elif fmt == "xlsx":
            sheet = openpyxl.load_workbook(out).active
            texts[fmt] = "|".join(str(c.value) for c in sheet[2])
        else:
            feature = json.loads(out.read_text(encoding="utf-8"))["features"][0]
            texts[fmt] = "|".join(str(v) for v in feature["properties"].values())
    for fmt, text in texts.items():
        assert SHOWN in text, (fmt, text)
        assert "=1+1␀地址" in text, (fmt, text)
    assert "'=1+1␀地址" in texts["csv"]  # still guarded against formulas
