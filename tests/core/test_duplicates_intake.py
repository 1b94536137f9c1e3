"""受理: placing, numbering and checking new cases; duplicates flagged and linked.

暴露垃圾: duplicate radius 30 m, duplicate days 2 (resources/data/categories.json).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.core.workflow_helpers import (
    LAT,
    LON,
    D,
    S,
    case_in,
    events,
    haversine_m,
    new_case,
    offset,
    row,
    snapshot,
    writes,
)
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.model import Case
from xjwc_desktop.core.workflow import (
    Actor,
    Role,
    WorkflowError,
    case_as_dict,
    find_case,
    link_duplicate,
)

NOW = D(2016, 3, 2, 9)  # the new case comes in Wednesday 09:00


def test_a_nearby_open_case_of_the_same_category_is_flagged_nearest_first(demo_db) -> None:
    new_at = offset(LON, LAT, east_m=5)
    spots = {name: offset(*new_at, north_m=m) for name, m in
             [("near", 8), ("far_in", 22), ("beyond", 45)]}
    with demo_db.write() as s:
        near = case_in(s, S.DISPATCHED, at=D(2016, 3, 1, 9), lon=spots["near"][0],
                       lat=spots["near"][1])
        far_in = case_in(s, S.REPORTED, at=D(2016, 3, 1, 10), lon=spots["far_in"][0],
                         lat=spots["far_in"][1])
        here = {"lon": new_at[0], "lat": new_at[1] + 1e-6}
        not_flagged = [
            case_in(s, S.REGISTERED, at=D(2016, 3, 1, 11), lon=spots["beyond"][0],
                    lat=spots["beyond"][1]),  # 45 m > 30 m
            case_in(s, S.REGISTERED, at=D(2016, 2, 29, 8, 50), **here),  # 2 days 10 min ago
            case_in(s, S.REGISTERED, at=D(2016, 3, 1, 12), category="道路不洁", **here),
            case_in(s, S.CLOSED, at=D(2016, 3, 1, 13), **here),
            case_in(s, S.VOIDED, at=D(2016, 3, 1, 14), **here),
        ]
        made = new_case(s, at=NOW, lon=new_at[0], lat=new_at[1])
        near_no, far_no = row(s, near)["case_no"], row(s, far_in)["case_no"]
    assert [(d.case_id, d.case_no) for d in made.duplicates] == [(near, near_no),
                                                                   (far_in, far_no)]
    assert [d.status for d in made.duplicates] == [S.DISPATCHED, S.REPORTED]
    for dup, spot in zip(made.duplicates, [spots["near"], spots["far_in"]], strict=True):
        assert abs(dup.distance_m - haversine_m(*new_at, *spot)) <= 1.0
    assert [round(d.distance_m) for d in made.duplicates] == [8, 22]
    assert not set(not_flagged) & {d.case_id for d in made.duplicates}


def test_linking_a_duplicate_voids_it_and_points_to_the_original(demo_db) -> None:
    with demo_db.write() as s:
        original = case_in(s, S.DISPATCHED, at=D(2016, 3, 1, 9))
        made = new_case(s, at=NOW)
        assert [d.case_id for d in made.duplicates] == [original]
        before = row(s, original)
        link_duplicate(s, made.case_no, original, Actor(Role.INTAKE), workstation_id="ws",
                       at=D(2016, 3, 2, 9, 5))
    with demo_db.write() as s:
        linked, last = row(s, made.case_id), events(s, made.case_id)[-1]
        after = row(s, original)
    assert (linked["status"], linked["duplicate_of_id"]) == ("voided", original)
    assert linked["voided_at"] == "2016-03-02 09:05:00.000000"
    assert (last["action"], last["actor_role"]) == ("void", "受理员")
    assert before["case_no"] in last["note"]
    assert after == before


@pytest.mark.parametrize("target", ["closed", "itself"])
def test_linking_to_a_closed_case_or_to_itself_is_refused(demo_db, target) -> None:
    with demo_db.write() as s:
        closed = case_in(s, S.CLOSED, at=D(2016, 3, 1, 9))
        made = new_case(s, at=NOW)
        original = closed if target == "closed" else made.case_id
        before, written = snapshot(s, made.case_id), writes(s)
        with pytest.raises(WorkflowError) as refused:
            link_duplicate(s, made.case_id, original, Actor(Role.INTAKE), workstation_id="ws")
        assert (snapshot(s, made.case_id), writes(s)) == (before, written)
        original_no = row(s, original)["case_no"]
    assert original_no in str(refused.value)
    assert ("已结案" if target == "closed" else "不能与自身重复") in str(refused.value)


@pytest.mark.parametrize(("where", "says"), [
    ({"lon": 121.40, "lat": 31.33}, ["坐标 (121.400000, 31.330000) 不在新江湾城街道范围内"]),
    ({"lon": None, "lat": None, "address": "国定路200号"},
     ["无法按地址“国定路200号”定位", "经纬度"]),
    ({"lon": None, "lat": None}, ["没有坐标", "请在地图上点选位置"]),
])
def test_a_case_that_cannot_be_placed_is_refused(demo_db, where, says) -> None:
    with demo_db.write() as s:
        before, written = snapshot(s, None), writes(s)
        with pytest.raises(WorkflowError) as refused:
            new_case(s, at=NOW, **where)
        assert (snapshot(s, None), writes(s)) == (before, written)
    for part in says:
        assert part in str(refused.value)


@pytest.mark.parametrize(("address", "lon", "lat", "zone"), [
    ("东森涵碧12号", 121.5135, 31.3262, "south"),  # alias of 涵碧景苑
    ("江湾国际小区3号楼楼道", 121.5062, 31.3186, "south"),
    ("尚景园南门", 121.5108, 31.3362, "north"),
])
def test_an_address_naming_a_known_compound_places_the_case_there(demo_db, address, lon, lat,
                                                                  zone) -> None:
    with demo_db.write() as s:
        made = new_case(s, at=NOW, lon=None, lat=None, address=address)
        case = row(s, made.case_id)
    assert (case["lon"], case["lat"], case["zone_code"], case["address"]) == (
        lon, lat, zone, address)


@pytest.mark.parametrize(("lon", "lat", "zone"), [
    (121.5100, 31.3350, "north"),  # north of 殷行路 (latitude ~31.3308)
    (121.5100, 31.3250, "south"),
    (121.4968, 31.3103, "south"),  # 政立路639弄
])
def test_zone_and_unit_grid_are_derived_from_the_position(demo_db, lon, lat, zone) -> None:
    with demo_db.write() as s:
        made = new_case(s, at=NOW, lon=lon, lat=lat)
        case = row(s, made.case_id)
    grids = {g.code: g for g in load_map_data().grids}
    assert (made.zone_code, case["zone_code"]) == (zone, zone)
    assert case["grid_code"] == made.grid_code
    assert len(case["grid_code"]) == 15
    assert case["grid_code"].startswith("310110020")  # 杨浦区 + 新江湾城街道
    assert grids[case["grid_code"]].zone == zone


def test_case_numbers_count_up_within_each_day(demo_db) -> None:
    with demo_db.write() as s:
        demo_last = s.scalar(select(Case.case_no).where(Case.case_no.like("XJW20151031%"))
                             .order_by(Case.case_no.desc()))
        numbers = [new_case(s, at=at).case_no for at in (
            D(2016, 3, 10, 9), D(2016, 3, 10, 15), D(2016, 3, 11, 8), D(2016, 3, 10, 23, 59),
            D(2015, 10, 31, 22))]
    assert numbers == ["XJW2016031000001", "XJW2016031000002", "XJW2016031100001",
                       "XJW2016031000003", f"XJW20151031{int(demo_last[11:]) + 1:05d}"]


def test_overlong_description_is_refused_and_4000_characters_are_kept(demo_db) -> None:
    with demo_db.write() as s:
        before, written = snapshot(s, None), writes(s)
        with pytest.raises(WorkflowError, match="问题描述过长（4001 字，最多 4000 字）"):
            new_case(s, at=NOW, description="垃" * 4001)
        assert (snapshot(s, None), writes(s)) == (before, written)
        made = new_case(s, at=NOW, description="垃" * 4000)
        assert row(s, made.case_id)["description"] == "垃" * 4000


def test_markup_in_the_description_is_stored_and_shown_verbatim(demo_db) -> None:
    text = '<img src=x onerror=alert(1)> & "引号" \'单引号\''
    with demo_db.write() as s:
        made = new_case(s, at=NOW, description=text, reporter_name="<b>张</b>")
    with demo_db.write() as s:
        shown = case_as_dict(s, find_case(s, made.case_no))
    assert (shown["description"], shown["reporter_name"]) == (text, "<b>张</b>")
    assert [(h["seq"], h["action"], h["to"]) for h in shown["history"]] == [
        (1, "report", "reported")]


def test_the_same_work_order_taken_in_twice_is_refused_with_a_clear_message(demo_db) -> None:
    with demo_db.write() as s:
        first = new_case(s, at=NOW, source="12345热线", external_no="GD20160302001")
    with demo_db.write() as s:
        before = snapshot(s, None)
    with pytest.raises(WorkflowError) as refused, demo_db.write() as s:
        new_case(s, at=D(2016, 3, 2, 10), source="12345热线", external_no="GD20160302001")
    assert "GD20160302001" in str(refused.value)
    assert first.case_no in str(refused.value)  # where the work order already is
    with demo_db.write() as s:
        assert snapshot(s, None) == before
