"""GeoJSON, GeoPackage and Shapefile exports read back with pyogrio/geopandas and json."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pyogrio
import pytest

from tests.core.exchange_helpers import HYPERLINK, NOW, add_hostile_cases
from xjwc_desktop.core.exchange.columns import COLUMNS
from xjwc_desktop.core.exchange.export import export_cases
from xjwc_desktop.core.exchange.selection import CaseSelection
from xjwc_desktop.core.exchange.snapshot import read_only
from xjwc_desktop.core.storage.database import open_database

HOTLINE = CaseSelection(sources=("hotline",))


def export(db_path, fmt, out, selection=HOTLINE):
    with read_only(db_path) as conn:
        return export_cases(conn, fmt, out, selection, now=NOW)


def positions(db_path, selection=HOTLINE) -> dict[str, tuple[float, float]]:
    where, params = selection.where()
    with read_only(db_path) as conn:
        return {r[0]: (r[1], r[2]) for r in conn.exec_driver_sql(
            f"SELECT case_no, lon, lat FROM cases c WHERE {where}", params)}


def test_geojson_is_rfc7946_with_chinese_properties(demo_db_path, tmp_path):
    out = tmp_path / "cases.geojson"
    assert export(demo_db_path, "geojson", out).cases == 125
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946: WGS84 implied, no crs member
    assert len(doc["features"]) == 125
    truth = positions(demo_db_path)
    for f in doc["features"]:
        props = f["properties"]
        assert list(props) == [c.header for c in COLUMNS]
        lon, lat = f["geometry"]["coordinates"]
        assert (lon, lat) == pytest.approx(truth[props["案卷号"]], abs=1e-7)
        assert props["来源"] == "12345热线"
    frame = pyogrio.read_dataframe(out)
    assert frame.crs.to_epsg() == 4326
    assert frame["类别"].notna().all()
    assert (frame["来源"] == "12345热线").all()


def test_geopackage_keeps_full_texts_and_real_times(demo_db_path, tmp_path):
    db = open_database(demo_db_path)
    made = add_hostile_cases(db)
    db.close()
    out = tmp_path / "cases.gpkg"
    sel = CaseSelection(sources=("hotline",), date_from=dt.date(2015, 10, 1))
    n = export(demo_db_path, "gpkg", out, sel).cases
    assert pyogrio.list_layers(out)[0][0] == "案件"
    frame = pyogrio.read_dataframe(out)
    assert len(frame) == n >= 3
    by_no = frame.set_index("案卷号")
    assert by_no.loc[made["formula"], "问题描述"] == HYPERLINK  # GIS data: the exact text
    assert by_no.loc[made["quotes"], "问题描述"] == '他说"你好", 然后走了\n第二行'
    reported = by_no.loc[made["formula"], "上报时间"]
    assert (reported.year, reported.month, reported.day, reported.hour) == (2015, 10, 30, 9)
    assert frame.crs.to_epsg() == 4326


def test_shapefile_has_utf8_cpg_short_names_and_a_field_list(demo_db_path, tmp_path):
    db = open_database(demo_db_path)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET description = ? WHERE source = 'hotline' "
                             "AND rowid = (SELECT min(rowid) FROM cases WHERE source='hotline')",
                             ("长" * 100 + "尾",))
    db.close()
    out = tmp_path / "案件点.shp"
    export(demo_db_path, "shp", out)
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != "demo.sqlite")
    assert names == ["案件点.cpg", "案件点.dbf", "案件点.fields.csv", "案件点.prj",
                     "案件点.shp", "案件点.shx"]
    assert (tmp_path / "案件点.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    frame = pyogrio.read_dataframe(out)
    fields = [c for c in frame.columns if c != "geometry"]
    assert fields == [c.shp for c in COLUMNS]
    assert all(len(f.encode("ascii")) <= 10 for f in fields)
    assert set(frame["source"]) == {"12345热线"}
    assert frame["zone"].isin(["殷行路以北", "殷行路以南"]).all()
    longest = max(frame["descr"], key=len)
    assert longest == "长" * 84  # 254 bytes hold 84 three-byte characters, none cut in half
    with (tmp_path / "案件点.fields.csv").open(encoding="utf-8-sig", newline="") as fh:
        mapping = dict(list(csv.reader(fh))[1:])
    assert mapping["descr"] == "问题描述"
    assert mapping["ext_no"] == "外部工单号"
