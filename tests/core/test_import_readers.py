"""Reading import files: encodings, separators, spreadsheet cells, and one clear message
for every file that is not a readable table; header aliases and user mappings."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from tests.core.exchange_helpers import write_xlsx
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange import parsing
from xjwc_desktop.core.exchange.kinds import KINDS
from xjwc_desktop.core.exchange.mapping import map_columns, parse_overrides
from xjwc_desktop.core.exchange.readers import FileRefused, read_table

TEXT = ("工单编号,来电时间,诉求内容\r\n"
        "A1,2016-01-04 09:00,\"含逗号,和\n换行\"\r\n"
        "\r\n"
        "A2,2016-01-05,井盖\r\n")


@pytest.mark.parametrize(("encoding", "label"), [("utf-8-sig", "UTF-8"), ("utf-8", "UTF-8"),
                                                  ("gbk", "GBK"), ("gb18030", "GBK"),
                                                  ("utf-16", "UTF-16")])
def test_csv_in_every_encoding_chinese_offices_use(tmp_path, encoding, label):
    path = tmp_path / "a.csv"
    path.write_bytes(TEXT.encode(encoding))
    table = read_table(path)
    assert table.description.startswith(f"CSV（{label} 编码")
    assert table.rows == [["工单编号", "来电时间", "诉求内容"],
                          ["A1", "2016-01-04 09:00", "含逗号,和\n换行"],
                          ["A2", "2016-01-05", "井盖"]]
    assert table.row_numbers == [1, 2, 4]  # as a spreadsheet numbers them; blank row skipped


def test_semicolon_and_tab_separated_text(tmp_path):
    for sep in (";", "\t"):
        path = tmp_path / "s.csv"
        path.write_text(f"编号{sep}名称\nX{sep}站点\n", encoding="utf-8")
        assert read_table(path).rows == [["编号", "名称"], ["X", "站点"]]


def test_xlsx_cells_keep_their_types_and_row_numbers(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [["标题"], [], ["编号", "时间", "数量"],
                                            ["A1", dt.datetime(2016, 1, 4, 9, 30), 12]])
    table = read_table(path)
    assert table.row_numbers == [1, 3, 4]
    assert table.rows[2][:3] == ["A1", dt.datetime(2016, 1, 4, 9, 30), 12]


@pytest.mark.parametrize(("content", "words"), [
    (b"", "是空的"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为 .xlsx"),
    (b"%PDF-1.7 ...", "PDF"),
    (b"GIF89a\x00\x00\x01", "二进制"),
    (b"PK\x03\x04 not really a zip", "已损坏"),
    ("编号,名称\n".encode() + b"A1,\xff\xff\x80\n", "编码"),
], ids=["empty", "xls", "pdf", "binary", "broken-zip", "encoding"])
def test_files_that_are_not_tables_get_one_message_naming_them(tmp_path, content, words):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=words) as caught:
        read_table(path)
    assert "input.csv" in str(caught.value)


def test_office_documents_that_are_not_workbooks(tmp_path):
    path = tmp_path / "工单.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(FileRefused, match="Word 文档"):
        read_table(path)


def test_missing_and_huge_files(tmp_path):
    with pytest.raises(FileRefused, match="不存在"):
        read_table(tmp_path / "nope.csv")
    path = tmp_path / "big.csv"
    path.write_text("编号\n" + "x\n" * 50, encoding="utf-8")
    with pytest.raises(FileRefused, match="过大"):
        read_table(path, max_bytes=20)
    with pytest.raises(FileRefused, match="超过单次导入上限 10 行"):
        read_table(path, max_rows=10)


def test_headers_are_found_below_titles_and_matched_loosely():
    rows = [["2016年1月工单"], ["工单 编号", "来电时间（北京时间）", "诉求类别", "经度（GCJ-02）",
                               "无关列"], ["A", "2016-01-01", "暴露垃圾", "121.5"]]
    cmap = map_columns(rows, KINDS["12345"])
    assert cmap.header_row == 1
    assert cmap.columns == {"external_no": 0, "reported_at": 1, "category": 2, "lon_gcj02": 3}
    assert cmap.ignored == ["无关列"]


def test_two_columns_for_one_field_must_be_resolved_by_the_user():
    rows = [["工单编号", "工单号", "来电时间", "类别"]]
    with pytest.raises(FileRefused, match="都对应字段“工单编号”"):
        map_columns(rows, KINDS["12345"])
    overrides = parse_overrides("工单号=-", KINDS["12345"])
    assert map_columns(rows, KINDS["12345"], overrides).columns["external_no"] == 0
    with pytest.raises(InputError, match="不是12345热线工单的字段"):
        parse_overrides("工单号=颜色", KINDS["12345"])
    with pytest.raises(InputError, match="不在文件的表头中"):
        map_columns(rows, KINDS["12345"], parse_overrides("单号=工单编号", KINDS["12345"]))


@pytest.mark.parametrize(("cell", "expected"), [
    ("2016-01-04 17:58", dt.datetime(2016, 1, 4, 17, 58)),
    ("2016/1/4 17:58:09", dt.datetime(2016, 1, 4, 17, 58, 9)),
    ("2016年1月4日 17时58分", dt.datetime(2016, 1, 4, 17, 58)),
    ("2016年1月4日", dt.datetime(2016, 1, 4)),
    ("20160104175800", dt.datetime(2016, 1, 4, 17, 58)),
    ("２０１６－０１－０４　１７：５８", dt.datetime(2016, 1, 4, 17, 58)),
    (42373.75, dt.datetime(2016, 1, 4, 18, 0)),
    (dt.date(2016, 1, 4), dt.datetime(2016, 1, 4)),
])
def test_dates_in_the_forms_offices_write(cell, expected):
    assert parsing.datetime_value(cell, dt.datetime(2016, 2, 1)) == expected


def test_texts_from_spreadsheets():
    assert parsing.text(2016010400041.0) == "2016010400041"
    assert parsing.text("'=SUM(A1)") == "=SUM(A1)"
    assert parsing.text("'引号开头") == "'引号开头"
    assert parsing.number("1,200.5㎡") == 1200.5
    with pytest.raises(ValueError, match="不是数字"):
        parsing.number("很多")


def test_the_gui_gives_its_column_choices_as_a_dict():
    rows = [["单号", "时间", "分类", "说明"]]
    overrides = parse_overrides({"单号": "工单编号", "时间": "reported_at", "分类": "类别",
                                 "说明": None}, KINDS["12345"])
    cmap = map_columns(rows, KINDS["12345"], overrides)
    assert cmap.columns == {"external_no": 0, "reported_at": 1, "category": 2}
    assert cmap.ignored == ["说明"]
