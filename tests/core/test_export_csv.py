"""CSV exports read back with the csv module: BOM, headers, filters, injection, atomicity."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from tests.core.exchange_helpers import HYPERLINK, NOW, add_hostile_cases
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange.columns import COLUMNS
from xjwc_desktop.core.exchange.export import export_cases
from xjwc_desktop.core.exchange.progress import Cancelled
from xjwc_desktop.core.exchange.selection import ALL, CaseSelection
from xjwc_desktop.core.exchange.snapshot import read_only
from xjwc_desktop.core.geo.chinese_crs import wgs84_to_gcj02


def read_csv(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def export(db_path, out, selection=ALL, **kwargs):
    with read_only(db_path) as conn:
        return export_cases(conn, "csv", out, selection, now=NOW, **kwargs)


def count(db_path, where: str, params=()) -> int:
    with read_only(db_path) as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM cases c WHERE {where}",
                                    params).scalar_one()


def test_every_case_with_chinese_headers_labels_and_typed_numbers(demo_db_path, tmp_path):
    out = tmp_path / "案件.csv"
    result = export(demo_db_path, out)
    rows = read_csv(out)
    assert result.cases == len(rows) == count(demo_db_path, "deleted_at IS NULL") > 15_000
    assert list(rows[0]) == [c.header for c in COLUMNS]
    assert {r["来源"] for r in rows} == {"网格巡查", "12345热线", "区网格", "大联动", "微信"}
    assert {r["巡查区"] for r in rows} == {"殷行路以北", "殷行路以南"}
    assert sum(r["状态"] == "结案" for r in rows) == count(demo_db_path, "status = 'closed'")
    # Report order, times to the second, positions as plain numbers.
    times = [r["上报时间"] for r in rows]
    assert times == sorted(times)
    assert all(dt.datetime.strptime(t, "%Y-%m-%d %H:%M:%S") for t in times)
    assert all(121.48 < float(r["经度(WGS84)"]) < 121.53 for r in rows)
    closed = next(r for r in rows if r["状态"] == "结案")
    assert closed["结案时间"]
    assert closed["处置部门"]
    assert closed["是否超期"] in ("是", "否")
    assert {r["是否超期"] for r in rows if r["状态"] == "作废"} == {""}


def test_formula_cells_get_an_apostrophe_and_stay_text(demo_db_path, tmp_path):
    from xjwc_desktop.core.storage.database import open_database

    db = open_database(demo_db_path)
    made = add_hostile_cases(db)
    db.close()
    out = tmp_path / "hostile.csv"
    export(demo_db_path, out, CaseSelection(case_ids=tuple(made.values())))
    rows = {r["案卷号"]: r for r in read_csv(out)}
    assert rows[made["formula"]]["问题描述"] == "'" + HYPERLINK
    assert rows[made["formula"]]["地址"] == "'+1+1"
    assert rows[made["script"]]["地址"] == "'-2"
    assert rows[made["formula"]]["外部工单号"] == "'=EXT0"
    # Quotes, commas and line breaks survive quoting; text that is not a formula is untouched.
    assert rows[made["quotes"]]["问题描述"] == '他说"你好", 然后走了\n第二行'
    # No cell a spreadsheet would evaluate, anywhere in the file.
    for row in rows.values():
        for header, value in row.items():
            assert value[:1] not in ("=", "+", "@") or header.startswith(("经度", "纬度"))
            assert not (value[:1] == "-" and not header.startswith(("经度", "纬度")))


def test_filters_select_what_sql_selects(demo_db_path, tmp_path):
    sel = CaseSelection(statuses=("closed",), sources=("hotline", "district_grid"),
                        zone="north", date_from=dt.date(2015, 3, 1), date_to=dt.date(2015, 6, 30))
    out = tmp_path / "f.csv"
    rows = read_csv(out) if export(demo_db_path, out, sel) else []
    expected = count(demo_db_path, "status = 'closed' AND source IN ('hotline', 'district_grid') "
                     "AND zone_code = 'north' AND reported_at >= '2015-03-01' "
                     "AND reported_at < '2015-07-01'")
    assert len(rows) == expected > 0
    assert {r["状态"] for r in rows} == {"结案"}
    assert {r["巡查区"] for r in rows} == {"殷行路以北"}
    assert min(r["上报时间"] for r in rows) >= "2015-03-01"
    assert max(r["上报时间"] for r in rows) < "2015-07-01"

    by_cat_dept = CaseSelection(categories=("E0101",), departments=("sanitation",))
    export(demo_db_path, out, by_cat_dept)
    rows = read_csv(out)
    assert {r["类别"] for r in rows} == {"暴露垃圾"}
    assert {r["处置部门"] for r in rows} == {"作业队/保洁服务社"}
    assert len(rows) == count(demo_db_path, "category_code = 'E0101' AND department_id = "
                              "(SELECT id FROM departments WHERE code = 'sanitation')")


def test_a_list_of_case_numbers_exports_exactly_those(demo_db_path, tmp_path):
    with read_only(demo_db_path) as conn:
        picked = [r[0] for r in conn.exec_driver_sql(
            "SELECT case_no FROM cases ORDER BY rowid DESC LIMIT 7")]
        one_id = conn.exec_driver_sql("SELECT id, case_no FROM cases LIMIT 1").one()
    out = tmp_path / "sel.csv"
    export(demo_db_path, out, CaseSelection(case_ids=(*picked, one_id[0])))
    assert sorted(r["案卷号"] for r in read_csv(out)) == sorted([*picked, one_id[1]])


def test_gcj02_columns_are_the_converted_positions(demo_db_path, tmp_path):
    out = tmp_path / "g.csv"
    export(demo_db_path, out, CaseSelection(sources=("wechat",)), gcj02=True)
    rows = read_csv(out)
    assert len(rows) == 49
    for r in rows:
        gx, gy = wgs84_to_gcj02(float(r["经度(WGS84)"]), float(r["纬度(WGS84)"]))
        assert float(r["经度(GCJ-02)"]) == pytest.approx(float(gx), abs=2e-7)
        assert float(r["纬度(GCJ-02)"]) == pytest.approx(float(gy), abs=2e-7)
        # About 480 m apart in Shanghai: the columns are not copies.
        assert abs(float(r["经度(GCJ-02)"]) - float(r["经度(WGS84)"])) > 0.003


def test_a_cancelled_export_leaves_the_previous_file_and_nothing_else(demo_db_path, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "keep.csv"
    out.write_text("previous export", encoding="utf-8")
    calls = []

    def cancel(done, total, message):
        calls.append(done)
        if done > 0:
            raise Cancelled("用户取消")

    with pytest.raises(Cancelled):
        export(demo_db_path, out, progress=cancel)
    assert calls
    assert calls[0] == 0
    assert out.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in folder.iterdir()) == ["keep.csv"]


def test_an_unwritable_target_is_refused_before_any_work(demo_db_path, tmp_path):
    with pytest.raises(InputError, match="不存在"):
        export(demo_db_path, tmp_path / "no-such-folder" / "x.csv")
    with pytest.raises(InputError, match="文件夹"):
        export(demo_db_path, tmp_path)

