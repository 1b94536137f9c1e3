"""The in-memory case index: the same answers as SQL, kept current after writes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import create_engine

from xjwc_desktop.core.queries.case_columns import SOURCE_CODES, STATUS_CODES, UNKNOWN, ZONE_CODES
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.queries.case_list import COLUMNS, CaseFilter, case_rowids

FILTERS = [
    CaseFilter(),
    CaseFilter(statuses=("dispatched",)),
    CaseFilter(statuses=("closed", "voided"), sources=("daliandong", "wechat")),
    CaseFilter(zone="south"),
    CaseFilter(categories=("E0101", "E0102")),
    CaseFilter(grid="310110020001"),
    CaseFilter(grid="310110020002015"),
    CaseFilter(grid="3101100200"),
    CaseFilter(grid="0310"),
    CaseFilter(grid="abc"),
    CaseFilter(departments=("chengguan",)),
    CaseFilter(departments=("",)),
    CaseFilter(departments=("housing", "")),
    CaseFilter(date_from=dt.date(2015, 3, 1)),
    CaseFilter(date_to=dt.date(2015, 2, 28)),
    CaseFilter(date_from=dt.date(2015, 5, 1), date_to=dt.date(2015, 5, 1)),
    CaseFilter(text="垃圾"),
    CaseFilter(text="  XJW201503 "),
    CaseFilter(text="100%"),
    CaseFilter(statuses=("closed",), zone="north", categories=("E0101",),
               departments=("sanitation",), date_from=dt.date(2015, 6, 1), text="路"),
    CaseFilter(statuses=("no-such-status",)),
]


@pytest.fixture(scope="module")
def engine(demo_template):
    engine = create_engine(f"sqlite:///file:{demo_template}?immutable=1&uri=true")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def index(engine) -> CaseIndex:
    return CaseIndex.load(engine)


def sql_positions(index: CaseIndex, flt: CaseFilter) -> set[int]:
    with index.engine.connect() as conn:
        rowids = case_rowids(conn, flt)
    return set(index.positions_of(rowids).tolist())


def test_every_live_case_with_its_columns(index, engine) -> None:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.rowid, c.lon, c.lat, c.status, c.source, c.zone_code, c.category_code, "
            "d.code, c.grid_code, c.reported_at, c.deadline_at FROM cases c "
            "LEFT JOIN departments d ON d.id = c.department_id "
            "WHERE c.deleted_at IS NULL ORDER BY c.rowid").fetchall()
    assert len(index) == len(rows) > 15_000
    rowid, lon, lat, status, source, zone, cat, dep, grid, reported, deadline = zip(*rows,
                                                                                   strict=True)
    assert index.cols["rowid"].tolist() == list(rowid)
    assert np.abs(index.cols["lon"] - np.array(lon)).max() <= 6e-8  # a centimetre or less
    assert np.abs(index.cols["lat"] - np.array(lat)).max() <= 6e-8
    assert [STATUS_CODES[s] for s in index.cols["status"]] == list(status)
    assert [SOURCE_CODES[s] for s in index.cols["source"]] == list(source)
    assert [ZONE_CODES[z] or None for z in index.cols["zone"]] == list(zone)
    codes = [c[0] for c in index.reference.categories]
    assert [codes[c] for c in index.cols["category"]] == list(cat)
    deps = [d[1] for d in index.reference.departments] + [None]
    got = [deps[d] if d != UNKNOWN else None for d in index.cols["department"]]
    assert got == list(dep)
    assert [str(g) for g in index.cols["grid"]] == list(grid)

    def seconds(text):
        if text is None:
            return 0
        return int((dt.datetime.fromisoformat(text) - dt.datetime(1970, 1, 1)).total_seconds())

    assert index.cols["reported"].tolist() == [seconds(t) for t in reported]
    assert "deadline" not in index.cols  # read when first needed (deadline sort, lights)
    index.ensure_timing()
    assert index.cols["deadline"].tolist() == [seconds(t) for t in deadline]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: repr(f)[10:70])
def test_masks_select_what_sql_selects(index, flt) -> None:
    mask = index.mask(flt)
    assert set(np.flatnonzero(mask).tolist()) == sql_positions(index, flt)


def test_the_filters_are_not_trivial(index) -> None:
    sizes = {f: int(index.mask(f).sum()) for f in FILTERS}
    everything = {CaseFilter(), CaseFilter(grid="3101100200")}  # the street's own prefix
    nothing = {CaseFilter(grid="0310"), CaseFilter(grid="abc"), CaseFilter(text="100%"),
               CaseFilter(statuses=("no-such-status",))}
    for flt, size in sizes.items():
        if flt in everything:
            assert size == len(index), flt
        elif flt in nothing:
            assert size == 0, flt
        else:
            assert 0 < size < len(index), flt
    assert sizes[CaseFilter(grid="310110020002015")] < 200


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("key", [c.key for c in COLUMNS])
def test_sorted_lists_match_sql_order(index, key, descending) -> None:
    flt = CaseFilter(sources=("hotline", "wechat", "district_grid"))
    got = index.cols["rowid"][index.ordered(index.mask(flt), key, descending)]
    with index.engine.connect() as conn:
        expected = case_rowids(conn, flt, key, descending)
    assert len(got) == len(expected) > 200
    assert got.tolist() == expected.tolist()


def test_positions_of_unknown_rowids(index) -> None:
    first, last = int(index.cols["rowid"][0]), int(index.cols["rowid"][-1])
    assert index.positions_of([first, last, last + 1, -5]).tolist() == [0, len(index) - 1,
                                                                        -1, -1]


def copy_case(conn, rowid: int, case_no: str) -> int:
    cols = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(cases)")]
    changed = {"id": "'" + case_no.lower().ljust(32, "0") + "'", "case_no": f"'{case_no}'",
               "external_no": "NULL"}
    select = ", ".join(changed.get(c, c) for c in cols)
    conn.exec_driver_sql(f"INSERT INTO cases ({', '.join(cols)}) SELECT {select} FROM cases "
                         "WHERE rowid = ?", (rowid,))
    return conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()


def test_apply_changes_follows_updates_inserts_and_deletions(demo_db) -> None:
    index = CaseIndex.load(demo_db.engine)
    n, version = len(index), index.version
    ids = index.cols["rowid"]
    changed, deleted = int(ids[10]), int(ids[20])
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET status = 'suspended', zone_code = 'south', "
                             "lon = 121.5, lat = 31.32 WHERE rowid = ?", (changed,))
        conn.exec_driver_sql("UPDATE cases SET deleted_at = '2016-01-01' WHERE rowid = ?",
                             (deleted,))
        added = copy_case(conn, int(ids[30]), "XJW2099010100001")
    flt = CaseFilter(statuses=("suspended",), zone="south")
    before = index.mask(flt).sum()
    change = index.apply_changes([changed, deleted, added, 10**9])
    assert (change.updated, change.inserted, change.deleted) == (1, 1, 1)
    assert change.positions_shifted
    assert len(index) == n
    assert index.version > version
    assert np.all(np.diff(index.cols["rowid"]) > 0)
    assert index.positions_of([deleted]).tolist() == [-1]
    pos = int(index.positions_of([changed])[0])
    assert STATUS_CODES[index.cols["status"][pos]] == "suspended"
    assert index.cols["lon"][pos] == pytest.approx(121.5, abs=1e-7)
    assert index.mask(flt).sum() == before + 1
    for f in (flt, CaseFilter(text="XJW2099"), CaseFilter(zone="north")):
        assert set(np.flatnonzero(index.mask(f)).tolist()) == sql_positions(index, f)
    fresh = CaseIndex.load(demo_db.engine)
    for key, values in fresh.cols.items():
        assert np.array_equal(values, index.cols[key]), key
    assert index.apply_changes([]).updated == 0


def test_a_change_in_place_keeps_the_orders_it_cannot_have_changed(demo_db) -> None:
    """A step changes a case's status: the report-time order (the list's default) is kept,
    the status order and the SQL-sorted ones are dropped, and every order still equals SQL's."""
    index = CaseIndex.load(demo_db.engine)
    keys = ("reported_at", "status", "grid", "case_no")
    kept = {key: index.orders.get(key) for key in keys}
    flt = CaseFilter(sources=("hotline", "wechat", "district_grid"))
    rowids = index.cols["rowid"][index.ordered(index.mask(flt), "reported_at")][:3].tolist()
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET status = CASE status WHEN 'closed' THEN "
                             "'reported' ELSE 'closed' END WHERE rowid IN (?, ?, ?)",
                             tuple(rowids))
    change = index.apply_changes(rowids)
    assert change.updated == 3
    assert not change.positions_shifted
    assert index.orders.cached("reported_at")
    assert index.orders.cached("grid")
    assert index.orders.get("reported_at") is kept["reported_at"]
    assert not index.orders.cached("status")
    assert not index.orders.cached("case_no")
    for key in keys:
        for descending in (False, True):
            got = index.cols["rowid"][index.ordered(index.mask(flt), key, descending)]
            with index.engine.connect() as conn:
                assert got.tolist() == case_rowids(conn, flt, key, descending).tolist(), key
    with demo_db.engine.begin() as conn:  # a later report time: that order goes too
        conn.exec_driver_sql("UPDATE cases SET reported_at = '2030-01-01 08:00:00' "
                             "WHERE rowid = ?", (rowids[-1],))
    index.apply_changes(rowids[-1:])
    assert not index.orders.cached("reported_at")
    assert index.orders.cached("grid")
    got = index.cols["rowid"][index.ordered(index.mask(flt), "reported_at", True)]
    assert got[0] == rowids[-1]


def test_an_update_planned_on_a_reader_applies_what_the_plain_one_does(demo_db) -> None:
    """The window works out an in-place update on a reader (``plan``) and only assigns it on
    the GUI thread; the result is the plain update's, and a plan made before another change
    of the index is not used (it would assign stale positions)."""
    planned, plain = CaseIndex.load(demo_db.engine), CaseIndex.load(demo_db.engine)
    ids = planned.cols["rowid"]
    rowids = [int(ids[i]) for i in (3, 40, 41, 500)]
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET status = 'suspended' WHERE rowid IN (?, ?)",
                             tuple(rowids[:2]))
        conn.exec_driver_sql("UPDATE cases SET lon = lon + 0.001 WHERE rowid = ?",
                             (rowids[2],))
    update = planned.fetch_update(rowids=rowids)
    assert planned.plan(update) is False  # nothing shifts
    assert update.in_place is not None
    assert {"status", "lon"} <= update.in_place.changed
    assert "rowid" not in update.in_place.changed
    got_index, got = planned.with_update(update)
    want_index, want = plain.with_update(plain.fetch_update(rowids=rowids))
    assert got_index is planned
    assert want_index is plain
    assert (got.updated, got.moved, got.positions.tolist()) == \
        (want.updated, want.moved, want.positions.tolist())
    for key, values in plain.cols.items():
        assert np.array_equal(values, planned.cols[key], equal_nan=True), key
    assert got.moved
    assert not got.positions_shifted

    # A plan made, then a case before it deleted (positions shift): the plan is not used.
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET status = 'suspended' WHERE rowid = ?",
                             (rowids[3],))
    stale = planned.fetch_update(rowids=rowids[3:])
    planned.plan(stale)
    gone = int(ids[100])
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET deleted_at = '2016-01-01' WHERE rowid = ?",
                             (gone,))
    planned.apply_changes([gone])
    assert not stale.in_place.fits(planned)
    planned.with_update(stale)
    fresh = CaseIndex.load(demo_db.engine)
    for key, values in fresh.cols.items():
        assert np.array_equal(values, planned.cols[key], equal_nan=True), key


def test_a_new_department_means_a_full_refresh(demo_db) -> None:
    index = CaseIndex.load(demo_db.engine)
    rowid = int(index.cols["rowid"][5])
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO departments (id, code, name, kind, active, created_at, updated_at, "
            "written_by) VALUES ('d0000000000000000000000000000001', 'aaa_new', '新部门', "
            "'其他', 1, '2016-01-01', '2016-01-01', 'test')")
        conn.exec_driver_sql("UPDATE cases SET department_id = "
                             "'d0000000000000000000000000000001' WHERE rowid = ?", (rowid,))
    index.apply_changes([rowid])
    assert index.reference.departments[0][1] == "aaa_new"
    assert index.mask(CaseFilter(departments=("aaa_new",))).sum() == 1
    assert index.mask(CaseFilter(departments=("chengguan",))).sum() == \
        len(sql_positions(index, CaseFilter(departments=("chengguan",))))


@pytest.mark.parametrize("chunk", [1 << 16, 1000])
def test_the_helper_process_reads_the_same_records(engine, monkeypatch, chunk) -> None:
    """Read alone or half in a helper process, in one range or in many (small ranges: the
    conversions of each value hold the GIL briefly), the records and texts are the same."""
    from xjwc_desktop.core.queries import case_columns, case_loader, case_text
    from xjwc_desktop.core.queries.case_columns import read_columns

    monkeypatch.setattr(case_columns, "_CHUNK_ROWIDS", chunk)
    monkeypatch.setattr(case_text, "_CHUNK_ROWIDS", chunk)

    with engine.connect() as conn:
        ref = CaseIndex.load(engine).reference
        alone = read_columns(conn, ref)
        started = []
        real_start = case_loader._start_helper

        def counting_start(*args):
            proc = real_start(*args)
            started.append(proc)
            return proc

        monkeypatch.setattr(case_loader, "MIN_ROWIDS_FOR_HELPER", 0)
        monkeypatch.setattr(case_loader, "_start_helper", counting_start)
        monkeypatch.setattr(case_loader, "MIN_ROWIDS_FOR_HELPER", 10 ** 12)
        texts_alone = case_text.load_block(conn)
        monkeypatch.setattr(case_loader, "MIN_ROWIDS_FOR_HELPER", 0)
        shared = read_columns(conn, ref)
        assert len(started) == 1
        assert started[0] is not None
        assert started[0].returncode == 0
        for key in alone:
            assert np.array_equal(alone[key], shared[key]), key
        texts_shared = case_text.load_block(conn)
        assert len(started) == 2
        assert started[1].returncode == 0
        for name in ("rowids", "units", "starts"):
            assert np.array_equal(getattr(texts_alone, name), getattr(texts_shared, name)), name
        assert np.array_equal(texts_shared.rowids, alone["rowid"])
        # A helper that cannot start, or fails, leaves the reading to this process.
        monkeypatch.setattr(case_loader.sys, "executable", "/nonexistent/python")
        fallback = read_columns(conn, ref)
        assert np.array_equal(fallback["rowid"], alone["rowid"])
        monkeypatch.setattr(case_loader.sys, "executable", "/bin/false")
        failed = read_columns(conn, ref)
        assert np.array_equal(failed["lat"], alone["lat"])


def test_a_street_without_live_cases(demo_db) -> None:
    from xjwc_desktop.core.queries.map_layers import case_buffer, mask_buffer

    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET deleted_at = '2016-01-01'")
    index = CaseIndex.load(demo_db.engine)
    assert len(index) == 0
    assert index.mask(CaseFilter(statuses=("closed",), text="垃圾")).size == 0
    assert index.ordered(index.mask(CaseFilter()), "address").size == 0
    data, x, _y = case_buffer(index)
    assert data[:8] == b"\0" * 8
    assert x.size == 0
    assert mask_buffer(index.mask(CaseFilter())) == b""
