"""Importing 12345 and district grid work orders: cases by the intake's rules, keys that
make re-imports harmless, bad rows that refuse the whole file without touching it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.core.exchange_helpers import (
    HYPERLINK,
    LAT,
    LON,
    sha256,
    table_counts,
    write_csv,
    write_xlsx,
)
from xjwc_desktop.core.exchange.importer import import_file
from xjwc_desktop.core.exchange.readers import FileRefused
from xjwc_desktop.core.exchange.snapshot import read_only

NOW = dt.datetime(2016, 2, 1, 12)
HEADER = ["工单编号", "来电时间", "诉求内容", "地址", "经度", "纬度", "诉求类别", "来电人",
          "联系电话"]
GOOD = [
    ["H2016001", "2016/1/4 9:05", "楼下垃圾堆放", "国权北路", LON, LAT, "暴露垃圾", "张三",
     "13800000000"],
    ["H2016002", "2016年1月4日 10时30分", HYPERLINK, "江湾国际公寓3号楼", "", "", "路灯损坏",
     "", ""],
    ["H2016003", "2016-01-05 11:00", "夜间施工", "政立路639弄", 121.4968, 31.3103,
     "街面秩序/施工扰民", "李四", ""],
]


def cases_by_external(db_path, source="hotline") -> dict[str, dict]:
    with read_only(db_path) as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.*, (SELECT count(*) FROM case_events e WHERE e.case_id = c.id) AS events, "
            "(SELECT note FROM case_events e WHERE e.case_id = c.id) AS note "
            "FROM cases c WHERE source = ? AND external_no LIKE 'H%'", (source,)).mappings()
        return {r["external_no"]: dict(r) for r in rows}


def test_gbk_csv_with_a_title_line_becomes_cases_in_受理(demo_db_path, tmp_path):
    path = write_csv(tmp_path / "12345工单.csv",
                     [["12345 工单导出 2016年1月"], HEADER, *GOOD], encoding="gbk")
    before = table_counts(demo_db_path)
    report = import_file(demo_db_path, "12345", path, now=NOW)
    assert (report.added, report.bad, report.refused) == (3, [], False)
    assert report.description.startswith("CSV（GBK")
    assert report.placed_by_address == 1
    after = table_counts(demo_db_path)
    assert after["cases"] - before["cases"] == 3
    assert after["case_events"] - before["case_events"] == 3
    cases = cases_by_external(demo_db_path)
    first, second, third = cases["H2016001"], cases["H2016002"], cases["H2016003"]
    assert (first["status"], first["source"], first["category_code"]) == \
        ("reported", "hotline", "E0101")
    assert first["reported_at"].startswith("2016-01-04 09:05:00")
    assert first["case_no"].startswith("XJW20160104")
    assert second["case_no"] == f"XJW20160104{int(first['case_no'][-5:]) + 1:05d}"
    assert (first["zone_code"], first["grid_code"][:9]) == ("south", "310110020")
    assert (first["reporter_name"], first["reporter_phone"]) == ("张三", "13800000000")
    assert second["description"] == HYPERLINK  # stored exactly as the citizen said it
    assert (second["lon"], second["lat"]) == (121.5062, 31.3186)  # 江湾国际公寓
    assert "按地址定位" in second["note"]
    assert "第 4 行" in second["note"]
    assert third["category_code"] != first["category_code"]
    assert all(c["events"] == 1 for c in cases.values())


def test_reimporting_adds_nothing_and_reports_the_rows_as_already_there(demo_db_path,
                                                                        tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADER, *GOOD])
    import_file(demo_db_path, "12345", path, now=NOW)
    counts = table_counts(demo_db_path)
    again = import_file(demo_db_path, "12345", path, now=NOW)
    assert again.added == 0
    assert [n.key for n in again.already] == ["H2016001", "H2016002", "H2016003"]
    assert not again.refused
    assert table_counts(demo_db_path) == counts
    # The same numbers from the district grid are other orders, not duplicates.
    grid = import_file(demo_db_path, "grid", path, now=NOW)
    assert grid.added == 3
    assert set(cases_by_external(demo_db_path, "district_grid")) == {"H2016001", "H2016002",
                                                                     "H2016003"}


BAD = [
    ["H2016010", "2016-13-40 10:00", "日期不存在", "", LON, LAT, "暴露垃圾", "", ""],
    ["H2016011", "2016-01-06 10:00", "坐标在外", "", 121.40, 31.20, "暴露垃圾", "", ""],
    ["H2016012", "2016-01-06 10:00", "类别不明", "", LON, LAT, "外星人", "", ""],
    ["H2016001", "2016-01-06 10:00", "文件内重复", "", LON, LAT, "暴露垃圾", "", ""],
    ["", "2016-01-06 10:00", "没有编号", "", LON, LAT, "暴露垃圾", "", ""],
    ["H2016013", "2016-01-06 10:00", "只有经度", "", LON, "", "暴露垃圾", "", ""],
    ["H2016014", "2030-01-06 10:00", "未来", "", LAT, LON, "暴露垃圾", "", ""],
]


def test_one_bad_row_refuses_the_file_and_the_database_keeps_every_byte(demo_db_path,
                                                                         tmp_path):
    path = write_csv(tmp_path / "bad.csv", [HEADER, *GOOD, *BAD])
    digest = sha256(demo_db_path)
    report = import_file(demo_db_path, "12345", path, now=NOW)
    assert report.refused
    assert (report.importable, report.added) == (3, 0)
    assert sha256(demo_db_path) == digest
    reasons = {n.row: n.reason for n in report.bad}
    assert sorted(reasons) == [5, 6, 7, 8, 9, 10, 11]
    assert "不是存在的日期时间" in reasons[5]
    assert "不在新江湾城街道范围内" in reasons[6]
    assert "未知的类别“外星人”" in reasons[7]
    assert "与第 2 行重复" in reasons[8]
    assert "缺少工单编号" in reasons[9]
    assert "经度和纬度须同时填写" in reasons[10]
    assert "在未来" in reasons[11]
    assert "填反" in reasons[11]
    assert any("第 6 行" in line for line in report.lines())


def test_skip_bad_imports_the_good_rows_and_lists_the_rest(demo_db_path, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [HEADER, *GOOD, *BAD])
    report = import_file(demo_db_path, "12345", path, skip_bad=True, now=NOW)
    assert (report.refused, report.added, len(report.bad)) == (False, 3, 7)
    assert set(cases_by_external(demo_db_path)) == {"H2016001", "H2016002", "H2016003"}


def test_dry_run_reports_without_writing(demo_db_path, tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADER, *GOOD])
    digest = sha256(demo_db_path)
    report = import_file(demo_db_path, "12345", path, dry_run=True, now=NOW)
    assert (report.dry_run, report.importable, report.added) == (True, 3, 0)
    assert sha256(demo_db_path) == digest


@pytest.mark.parametrize("content", [b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                                     b"PK\x03\x04broken zip", b"%PDF-1.4\n", b"\x00\x01\x02" * 99,
                                     "标题\n无关,内容\n1,2\n".encode()],
                         ids=["empty", "xls", "corrupt-xlsx", "pdf", "binary", "no-header"])
def test_broken_files_get_one_message_and_leave_the_database_alone(demo_db_path, tmp_path,
                                                                    content):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(content)
    digest = sha256(demo_db_path)
    with pytest.raises(FileRefused) as caught:
        import_file(demo_db_path, "12345", path, now=NOW)
    message = str(caught.value)
    assert str(path) in message or "表头" in message
    assert "\n" not in message
    assert sha256(demo_db_path) == digest


def test_missing_columns_are_named_and_a_mapping_fixes_them(demo_db_path, tmp_path):
    rows = [["诉求单号", "时间", "内容", "位置", "经度", "纬度", "问题分类"],
            ["M1", "2016-01-07 09:00", "井盖缺失", "国伟路", LON, LAT, "井盖缺损"]]
    path = write_csv(tmp_path / "m.csv", rows)
    with pytest.raises(FileRefused, match="缺少必需的列：工单编号、来电时间、类别"):
        import_file(demo_db_path, "12345", path, now=NOW)
    report = import_file(demo_db_path, "12345", path, now=NOW,
                         mapping="诉求单号=工单编号,时间=来电时间,问题分类=类别")
    assert report.added == 1
    with read_only(demo_db_path) as conn:
        row = conn.exec_driver_sql("SELECT category_code, address FROM cases "
                                   "WHERE external_no = 'M1'").one()
    assert row[1] == "国伟路"


def test_a_row_from_another_channel_is_refused_by_its_source_column(demo_db_path, tmp_path):
    path = write_csv(tmp_path / "s.csv", [[*HEADER, "来源"], [*GOOD[0], "微信"],
                                          [*GOOD[2], "12345热线"]])
    report = import_file(demo_db_path, "12345", path, now=NOW)
    assert report.refused
    assert [(n.row, n.reason) for n in report.bad] == [(2, "来源：为“微信”，不是12345热线工单")]


def test_xlsx_with_real_dates_and_numeric_order_numbers(demo_db_path, tmp_path):
    rows = [HEADER, [2016010700001, dt.datetime(2016, 1, 7, 8, 15), "占道", "淞沪路", LON,
                     LAT, "E0101", None, 13900000000]]
    path = write_xlsx(tmp_path / "x.xlsx", rows)
    report = import_file(demo_db_path, "12345", path, now=NOW)
    assert report.added == 1
    assert report.description == "XLSX 工作表“Sheet”"
    with read_only(demo_db_path) as conn:
        row = conn.exec_driver_sql("SELECT reported_at, reporter_phone FROM cases "
                                   "WHERE external_no = '2016010700001'").one()
    assert row == ("2016-01-07 08:15:00.000000", "13900000000")


def test_a_bulk_import_leaves_the_spatial_index_complete(demo_db_path, tmp_path, monkeypatch):
    from xjwc_desktop.core.storage import spatial
    from xjwc_desktop.core.storage.spatial import case_rowids_in_bbox

    monkeypatch.setattr(spatial, "RTREE_DEFER_FROM", 1)  # the path taken from 1,000 rows
    path = write_csv(tmp_path / "a.csv", [HEADER, *GOOD])
    assert import_file(demo_db_path, "12345", path, now=NOW).added == 3
    with read_only(demo_db_path) as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM case_rtree").scalar() == \
            conn.exec_driver_sql("SELECT count(*) FROM cases").scalar()
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = "
                                    "'trigger' AND name = 'cases_rtree_ai'").scalar() == 1
        rowid = conn.exec_driver_sql(
            "SELECT rowid FROM cases WHERE external_no = 'H2016001'").scalar()
        found = case_rowids_in_bbox(conn, LON - 1e-6, LAT - 1e-6, LON + 1e-6, LAT + 1e-6)
        assert rowid in found.tolist()


def test_an_open_database_imports_the_same_way_with_a_preview_first(demo_db, tmp_path):
    """What the GUI does: plan (preview) on its open database, then import."""
    from xjwc_desktop.core.exchange.kinds import KINDS
    from xjwc_desktop.core.exchange.plan import plan_import
    from xjwc_desktop.core.exchange.readers import read_table

    path = write_csv(tmp_path / "a.csv", [HEADER, *GOOD, BAD[0]])
    with demo_db.engine.connect() as conn:
        preview = plan_import(conn, KINDS["12345"], read_table(path), now=NOW)
    assert (len(preview.good), [n.row for n in preview.bad]) == (3, [5])
    calls = []
    report = import_file(demo_db, "12345", path, skip_bad=True, now=NOW,
                         progress=lambda done, total, message: calls.append(message))
    assert report.added == 3
    assert any(m.startswith("检查") for m in calls)
    assert any(m.startswith("已写入") for m in calls)
    with demo_db.write() as s:
        from sqlalchemy import select

        from xjwc_desktop.core.model import Case

        numbers = s.scalars(select(Case.case_no).where(Case.external_no.like("H2016%")))
        assert len(list(numbers)) == 3


def test_an_import_cancelled_while_writing_leaves_nothing(demo_db_path, tmp_path, monkeypatch):
    from xjwc_desktop.core.exchange.progress import Cancelled
    from xjwc_desktop.core.storage import spatial

    monkeypatch.setattr(spatial, "RTREE_DEFER_FROM", 1)
    path = write_csv(tmp_path / "a.csv", [HEADER, *GOOD])
    before = table_counts(demo_db_path)
    seen = []

    def cancel(done, total, message):
        seen.append(message)
        if message.startswith("已写入"):  # every row inserted, not yet committed
            raise Cancelled("用户取消")

    with pytest.raises(Cancelled):
        import_file(demo_db_path, "12345", path, now=NOW, progress=cancel)
    assert any(m.startswith("写入") for m in seen)
    assert table_counts(demo_db_path) == before
    with read_only(demo_db_path) as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = "
                                    "'trigger' AND name = 'cases_rtree_ai'").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM case_rtree").scalar() == \
            before["cases"]
