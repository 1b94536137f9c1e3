"""``create_demo``: reproducible output, scale cases, and refusing to overwrite anything."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import CheckConstraint, Enum, create_engine
from sqlalchemy.orm import Session

from xjwc_desktop.core.demo.cases import check_codes
from xjwc_desktop.core.demo.generate import create_demo
from xjwc_desktop.core.errors import DatabaseError
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.model import Case
from xjwc_desktop.core.stats import Period, street_figures

SEED_PERIOD = Period(dt.date(2015, 1, 1), dt.date(2015, 10, 31))


def table_digest(path: Path, table: str) -> str:
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        digest = hashlib.sha256()
        for row in con.execute(f"SELECT * FROM {table} ORDER BY id"):
            digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        con.close()


def differing_columns(a: Path, b: Path, table: str) -> set[str]:
    """Columns in which ``table`` differs between two databases (rows matched by id order)."""
    out: set[str] = set()
    cons = [sqlite3.connect(f"file:{p}?immutable=1", uri=True) for p in (a, b)]
    try:
        names = [r[1] for r in cons[0].execute(f"PRAGMA table_info({table})")]
        rows_a, rows_b = (c.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
                          for c in cons)
    finally:
        for c in cons:
            c.close()
    if len(rows_a) != len(rows_b):
        return {"<row count>"}
    for ra, rb in zip(rows_a, rows_b, strict=True):
        out.update(n for n, x, y in zip(names, ra, rb, strict=True) if x != y)
    return out


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()
                  if p.name.endswith((".partial", "-wal", "-shm", "-journal")))


@pytest.fixture(scope="module")
def same_seed(tmp_path_factory) -> Path:
    """A second demo database with the default seed (the template is the first)."""
    folder = tmp_path_factory.mktemp("same-seed")
    path = create_demo(folder / "again.sqlite", seed_value=2015)
    assert leftovers(folder) == []
    return path


@pytest.fixture(scope="module")
def other_seed(tmp_path_factory) -> Path:
    return create_demo(tmp_path_factory.mktemp("other-seed") / "seed7.sqlite", seed_value=7)


@pytest.mark.parametrize(
    "table",
    ["cases", "case_events", "illegal_structures", "census_records", "compounds",
     "bike_stations", "inspectors"],
)
def test_same_seed_gives_identical_data(demo_template, same_seed, table) -> None:
    assert differing_columns(same_seed, demo_template, table) == set()
    assert table_digest(same_seed, table) == table_digest(demo_template, table)


@pytest.mark.parametrize("table", ["cases", "case_events", "illegal_structures"])
def test_another_seed_gives_other_data(demo_template, other_seed, table) -> None:
    assert table_digest(other_seed, table) != table_digest(demo_template, table)


def test_another_seed_keeps_the_reports_figures(other_seed) -> None:
    engine = create_engine(f"sqlite:///file:{other_seed}?immutable=1&uri=true")
    try:
        with Session(engine) as s:
            seed, whole = street_figures(s, SEED_PERIOD), street_figures(s)
    finally:
        engine.dispose()
    assert {k: v["count"] for k, v in seed["cases"]["by_source"].items() if k != "patrol"} == {
        "hotline": 125, "district_grid": 49, "daliandong": 1910, "wechat": 49}
    assert seed["cases"] == whole["cases"]
    assert seed["patrol"]["lowest_inspector_day"] >= 6
    demolished = whole["illegal_structures"]["demolished"]
    assert (demolished["count"], demolished["area_m2"]) == (103, 6054.14)
    assert whole["census"]["total"] == {"count": 1586, "area_m2": 364419.87}
    assert (whole["bike_stations"]["stations"], whole["bike_stations"]["bikes"]) == (10, 300)


def test_scale_cases_come_after_the_seed_period(demo_template, tmp_path) -> None:
    path = create_demo(tmp_path / "scale.sqlite", cases=5000)
    assert leftovers(tmp_path) == []
    assert path.read_bytes()[18:20] == b"\x02\x02"  # handed over in WAL mode
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    ref = sqlite3.connect(f"file:{demo_template}?immutable=1", uri=True)
    try:
        seed_total = ref.execute("SELECT count(*) FROM cases").fetchone()[0]
        total, later, distinct_no = con.execute(
            "SELECT count(*), sum(reported_at >= '2016-01-01'), count(DISTINCT case_no) "
            "FROM cases").fetchone()
        assert later == 5000
        assert total == seed_total + 5000
        assert distinct_no == total
        lo, hi = con.execute("SELECT min(reported_at), max(reported_at) FROM cases "
                             "WHERE reported_at >= '2016-01-01'").fetchone()
        assert "2016-01-01" <= lo <= hi <= "2026-10-31 23:59:59"
        xy = np.array(con.execute("SELECT lon, lat FROM cases "
                                  "WHERE reported_at >= '2016-01-01'").fetchall())
        assert load_map_data().contains(xy[:, 0], xy[:, 1]).all()
        # The bulk load dropped and rebuilt the cases' indexes and triggers: all back.
        schema = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN " \
                 "('cases', 'case_rtree') ORDER BY type, name"
        assert con.execute(schema).fetchall() == ref.execute(schema).fetchall()
        assert con.execute("SELECT count(*) FROM case_rtree").fetchone()[0] == total
        # Each case's box in the tree, by rowid (the packer takes them from memory).
        assert con.execute(
            "SELECT count(*) FROM cases c JOIN case_rtree r ON r.id = c.rowid WHERE "
            "r.min_lon <= c.lon AND c.lon <= r.max_lon AND r.min_lat <= c.lat "
            "AND c.lat <= r.max_lat").fetchone()[0] == total
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
        ref.close()
    engine = create_engine(f"sqlite:///file:{path}?immutable=1&uri=true")
    try:
        with Session(engine) as s:
            seed = street_figures(s, SEED_PERIOD)
            scale = street_figures(s, Period(dt.date(2016, 1, 1), None))
    finally:
        engine.dispose()
    by_source = {k: v["count"] for k, v in seed["cases"]["by_source"].items()}
    assert {k: by_source[k] for k in ("hotline", "district_grid", "daliandong", "wechat")} == {
        "hotline": 125, "district_grid": 49, "daliandong": 1910, "wechat": 49}
    assert seed["cases"]["total"] == seed_total
    assert scale["cases"]["total"] == 5000


def test_refuses_an_existing_file_and_leaves_it_alone(demo_template, tmp_path) -> None:
    path = tmp_path / "mine.sqlite"
    path.write_bytes(b"precious work of the day" * 1000)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DatabaseError, match="mine.sqlite"):
        create_demo(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.sqlite"]


def test_refuses_a_missing_folder(tmp_path) -> None:
    with pytest.raises(DatabaseError, match="不存在"):
        create_demo(tmp_path / "nope" / "demo.sqlite")
    assert list(tmp_path.iterdir()) == []


def test_every_check_of_the_cases_table_is_an_enumeration_the_demo_checks() -> None:
    """The scale cases go in with SQLite's CHECK constraints off; ``check_codes`` checks
    the enumerations instead, so the table must have no CHECK of another kind."""
    checks = [c for c in Case.__table__.constraints if isinstance(c, CheckConstraint)]
    coded = [c for c in Case.__table__.c
             if isinstance(c.type, Enum) and c.type.create_constraint]
    assert len(checks) == len(coded) == 3
    good = {"source": np.array(["patrol", "wechat"], dtype=object),
            "status": ["closed", "voided"], "zone_code": [None, "north"]}
    check_codes(good)
    for column, bad in (("source", "walk_in"), ("status", None), ("zone_code", "")):
        with pytest.raises(ValueError, match=column):
            check_codes({**good, column: [*good[column][:1], bad]})
