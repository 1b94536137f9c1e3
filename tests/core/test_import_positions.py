"""Positions on import: GCJ-02/BD-09/CGCS2000 to WGS84 within a metre, rows placed by
address, rows that cannot be placed kept aside; and an export that imports back."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pytest

from tests.core.exchange_helpers import HYPERLINK, sha256, write_csv
from tests.core.exchange_helpers import NOW as EXPORT_NOW
from xjwc_desktop.core.exchange.export import export_cases
from xjwc_desktop.core.exchange.importer import import_file
from xjwc_desktop.core.exchange.selection import CaseSelection
from xjwc_desktop.core.exchange.snapshot import read_only
from xjwc_desktop.core.geo.chinese_crs import wgs84_to_bd09, wgs84_to_gcj02
from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.workflow import create_case
from xjwc_desktop.core.workflow.duplicates import distance_m

NOW = dt.datetime(2016, 2, 1, 12)
HEADER = ["工单编号", "来电时间", "诉求内容", "地址", "经度", "纬度", "类别"]
# WGS84 truth: points spread over the street (both zones, near the edges too).
TRUTH = [(121.4935, 31.3103), (121.5046, 31.3268), (121.5108, 31.3362), (121.5200, 31.3290),
         (121.4990, 31.3420), (121.5135, 31.3262)]


def stored(db_path, prefix: str) -> dict[str, tuple[float, float]]:
    with read_only(db_path) as conn:
        return {r[0]: (r[1], r[2]) for r in conn.exec_driver_sql(
            "SELECT external_no, lon, lat FROM cases WHERE external_no LIKE ?", (prefix + "%",))}


@pytest.mark.parametrize(("crs", "forward"), [
    ("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09),
    ("cgcs2000", lambda x, y: (np.asarray(x), np.asarray(y)))])
def test_positions_in_chinese_systems_land_within_a_metre_of_the_truth(demo_db_path, tmp_path,
                                                                        crs, forward):
    rows = [HEADER]
    for i, (x, y) in enumerate(TRUTH):
        fx, fy = forward(x, y)
        rows.append([f"{crs}-{i}", "2016-01-08 09:00", "坐标换算", "", f"{float(fx):.8f}",
                     f"{float(fy):.8f}", "暴露垃圾"])
    path = write_csv(tmp_path / f"{crs}.csv", rows)
    report = import_file(demo_db_path, "12345", path, crs=crs, now=NOW)
    assert (report.added, report.bad) == (len(TRUTH), [])
    got = stored(demo_db_path, crs)
    for i, (x, y) in enumerate(TRUTH):
        assert distance_m(x, y, *got[f"{crs}-{i}"]) < 1.0
    if crs != "cgcs2000":
        # The same file read as WGS84 is hundreds of metres off: the option matters.
        fx, fy = forward(*TRUTH[1])
        assert distance_m(*TRUTH[1], float(fx), float(fy)) > 300


def test_gcj02_read_as_wgs84_outside_the_street_suggests_the_right_system(demo_db_path,
                                                                        tmp_path):
    # A point near the eastern edge: its GCJ-02 form lies outside when taken as WGS84.
    x, y = wgs84_to_gcj02(121.5200, 31.3290)
    path = write_csv(tmp_path / "g.csv", [HEADER, ["G1", "2016-01-08 09:00", "", "",
                                                   float(x), float(y), "暴露垃圾"]])
    report = import_file(demo_db_path, "12345", path, now=NOW)
    assert report.refused
    assert "--crs gcj02" in report.bad[0].reason


def test_unlocated_rows_are_kept_aside_in_a_file_that_imports_once_completed(demo_db_path,
                                                                             tmp_path):
    path = write_csv(tmp_path / "u.csv", [
        HEADER,
        ["U1", "2016-01-09 09:00", "已定位", "尚景园12号", "", "", "暴露垃圾"],
        ["U2", "2016-01-09 10:00", "=cmd|' /C calc'!A0", "某某路某号", "", "", "暴露垃圾"],
        ["U3", "2016-01-09 11:00", "无地址", "", "", "", "暴露垃圾"],
    ])
    report = import_file(demo_db_path, "12345", path, now=NOW)
    assert (report.refused, report.added, report.placed_by_address) == (False, 1, 1)
    assert [(n.row, n.key) for n in report.unlocated] == [(3, "U2"), (4, "U3")]
    assert set(stored(demo_db_path, "U")) == {"U1"}
    side = report.unlocated_file
    assert side == tmp_path / "u.未定位.csv"
    with side.open(encoding="utf-8-sig", newline="") as fh:
        kept = list(csv.reader(fh))
    assert kept[0] == ["行号", "原因", *HEADER]
    assert [r[2] for r in kept[1:]] == ["U2", "U3"]
    assert kept[1][4] == "'=cmd|' /C calc'!A0"  # guarded like any CSV we write
    kept[1][6], kept[1][7] = "121.5046", "31.3268"  # the operator adds the position
    kept[2][5] = "江湾国际公寓"  # ... or a known address
    write_csv(side, kept)
    again = import_file(demo_db_path, "12345", side, now=NOW)
    assert (again.added, again.unlocated, again.bad) == (2, [], [])
    with read_only(demo_db_path) as conn:
        text = conn.exec_driver_sql(
            "SELECT description FROM cases WHERE external_no = 'U2'").scalar_one()
    assert text == "=cmd|' /C calc'!A0"  # the guard's apostrophe is gone again


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_orders_import_back_unchanged_into_another_database(demo_template, tmp_path,
                                                                     fmt):
    import shutil

    source, target = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    for p in (source, target):
        shutil.copyfile(demo_template, p)
        p.chmod(0o644)
    db = open_database(source)
    with db.write() as s:
        for i, text in enumerate([HYPERLINK, "普通诉求，含逗号,和\"引号\"", "-5 度结冰"]):
            create_case(s, source="12345热线", category="暴露垃圾", lon=121.5046 + i / 1000,
                        lat=31.3268, address=f"国权北路{i}号", description=text,
                        external_no=f"RT{i}", workstation_id="a", at=dt.datetime(2015, 10, 30, 9))
    db.close()
    out = tmp_path / f"hotline.{fmt}"
    with read_only(source) as conn:
        export_cases(conn, fmt, out, CaseSelection(sources=("hotline",)), now=EXPORT_NOW,
                     gcj02=True)
    digest = sha256(source)
    report = import_file(target, "12345", out, now=NOW)
    # The demo's own 125 hotline orders are in both databases; the three new ones are not.
    assert (report.refused, report.added, len(report.already)) == (False, 3, 125)
    assert sha256(source) == digest

    def orders(path):
        with read_only(path) as conn:
            return {r[0]: r[1:] for r in conn.exec_driver_sql(
                "SELECT external_no, category_code, address, description, reported_at, "
                "zone_code, grid_code, round(lon, 7), round(lat, 7) FROM cases "
                "WHERE external_no LIKE 'RT%'")}

    assert orders(target) == orders(source)
    assert orders(target)["RT0"][2] == HYPERLINK


def test_address_placement_follows_the_intakes_rule(demo_db):
    from xjwc_desktop.core.exchange.locate import AddressLocator
    from xjwc_desktop.core.workflow import locate_address

    addresses = ["江湾国际公寓3号楼", "江湾国际小区南门", "东森涵碧12号", "政立路639弄5号",
                 "新江湾城公园东门", "国权北路100号", "", "湾谷科技园B座"]
    with demo_db.write() as s:
        expected = [locate_address(s, a) for a in addresses]
        locator = AddressLocator(s.connection())
        got = [locator.locate(a) for a in addresses]
    assert [(p.lon, p.lat, p.name) if p else None for p in got] == expected
    assert sum(p is not None for p in got) == 6
