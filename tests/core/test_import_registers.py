"""Importing the registers inspectors bring: illegal structures, the unlicensed-building
census and public bike stations."""

from __future__ import annotations

import datetime as dt

from tests.core.exchange_helpers import sha256, table_counts, write_csv, write_xlsx
from xjwc_desktop.core.exchange.importer import import_file
from xjwc_desktop.core.exchange.snapshot import read_only

NOW = dt.datetime(2016, 2, 1, 12)


def rows_of(db_path, table: str, prefix: str) -> dict[str, dict]:
    with read_only(db_path) as conn:
        return {r["code"]: dict(r) for r in conn.exec_driver_sql(
            f"SELECT * FROM {table} WHERE code LIKE ?", (prefix + "%",)).mappings()}


def test_illegal_structures_with_status_dates_and_areas(demo_db_path, tmp_path):
    path = write_xlsx(tmp_path / "违建.xlsx", [
        ["违建编号", "地址", "经度", "纬度", "面积(㎡)", "是否住宅", "发现日期", "状态", "拆除日期",
         "拆除方式", "备注"],
        ["WJ2016-1", "涵碧景苑12号", 121.5135, 31.3262, 35.5, "是", dt.date(2016, 1, 5),
         "已拆除", dt.date(2016, 1, 20), "业主自拆", "别墅加层"],
        ["WJ2016-2", "橡树湾3号", None, None, "1,200.5", "非住宅", "2016/1/6", None, None,
         None, None],
    ])
    report = import_file(demo_db_path, "structures", path, now=NOW)
    assert (report.added, report.bad, report.placed_by_address) == (2, [], 1)
    got = rows_of(demo_db_path, "illegal_structures", "WJ2016")
    first, second = got["WJ2016-1"], got["WJ2016-2"]
    assert (first["status"], first["found_on"], first["demolished_on"]) == \
        ("demolished", "2016-01-05", "2016-01-20")
    assert (first["area_m2"], first["residential"], first["handled_by"]) == (35.5, 1, "业主自拆")
    assert first["zone_code"] == "south"
    assert len(first["grid_code"]) == 15
    assert (second["status"], second["area_m2"], second["residential"]) == ("standing", 1200.5, 0)
    assert (second["lon"], second["lat"]) == (121.5128, 31.3273)  # 橡树湾
    assert second["compound_id"] is not None


def test_structure_rows_that_contradict_themselves_are_refused(demo_db_path, tmp_path):
    path = write_csv(tmp_path / "w.csv", [
        ["违建编号", "经度", "纬度", "面积", "是否住宅", "发现日期", "状态", "拆除日期"],
        ["W1", 121.5135, 31.3262, 0, "是", "2016-01-05", "", ""],
        ["W2", 121.5135, 31.3262, 10, "也许", "2016-01-05", "已拆除", ""],
        ["W3", 121.5135, 31.3262, 10, "是", "2016-01-05", "已拆除", "2015-12-01"],
    ])
    digest = sha256(demo_db_path)
    report = import_file(demo_db_path, "structures", path, now=NOW)
    assert report.refused
    reasons = {n.row: n.reason for n in report.bad}
    assert "面积应大于 0" in reasons[2]
    assert "应为 是/否" in reasons[3]
    assert "没有拆除日期" in reasons[3]
    assert "拆除日期早于发现日期" in reasons[4]
    assert sha256(demo_db_path) == digest


def test_census_records_and_their_reimport(demo_db_path, tmp_path):
    path = write_csv(tmp_path / "普查.csv", [
        ["普查编号", "地址", "经度", "纬度", "建筑面积", "性质", "用途", "调查日期"],
        ["PC-1", "政立路505弄", "", "", "88.2", "住宅", "居住", "2015-09-12"],
        ["PC-2", "湾谷科技园", 121.5001, 31.3161, "5000", "非住宅", "仓储", "20150913"],
    ], encoding="gbk")
    before = table_counts(demo_db_path)
    report = import_file(demo_db_path, "census", path, now=NOW)
    assert report.added == 2
    got = rows_of(demo_db_path, "census_records", "PC-")
    assert (got["PC-1"]["use"], got["PC-1"]["residential"], got["PC-1"]["surveyed_on"]) == \
        ("居住", 1, "2015-09-12")
    assert got["PC-2"]["surveyed_on"] == "2015-09-13"
    again = import_file(demo_db_path, "census", path, now=NOW)
    assert (again.added, len(again.already)) == (0, 2)
    after = table_counts(demo_db_path)
    assert after["census_records"] - before["census_records"] == 2


def test_bike_stations_placed_by_their_names(demo_db_path, tmp_path):
    path = write_csv(tmp_path / "bikes.csv", [
        ["站点编号", "站点名称", "经度", "纬度", "车桩数", "自行车数", "运营单位"],
        ["BK11", "时代花园二号站", "", "", 30, 12, "永安行"],
        ["BK12", "国伟路站", 121.5150, 31.3330, "20", "8", ""],
        ["BK13", "坏数据站", 121.5150, 31.3330, "二十", "-1", ""],
    ])
    report = import_file(demo_db_path, "bikes", path, skip_bad=True, now=NOW)
    assert (report.added, [n.row for n in report.bad]) == (2, [4])
    assert "车桩数" in report.bad[0].reason
    assert "自行车数" in report.bad[0].reason
    got = rows_of(demo_db_path, "bike_stations", "BK1")
    assert (got["BK11"]["position_approximate"], got["BK12"]["position_approximate"]) == (1, 0)
    assert (got["BK11"]["lon"], got["BK11"]["lat"]) == (121.5158, 31.3404)
    assert (got["BK12"]["capacity"], got["BK12"]["bikes"], got["BK12"]["zone_code"]) == \
        (20, 8, "north")
