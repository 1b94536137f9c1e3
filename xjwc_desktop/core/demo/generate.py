"""``xjwc demo``: a deterministic demo database true to the street's 2016 work report."""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from xjwc_desktop.core.demo import buildings, rtree_pack
from xjwc_desktop.core.demo import seed_figures as seed
from xjwc_desktop.core.demo.bulk import drop_secondary, insert_columns, restore
from xjwc_desktop.core.demo.cases import (
    DemoContext,
    build_cases,
    case_numbers,
    day_range,
    generate_cases,
)
from xjwc_desktop.core.errors import DatabaseError
from xjwc_desktop.core.exchange.atomic import DiskFullError, is_disk_full, out_of_space
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.model import CaseSource, Category, Department
from xjwc_desktop.core.reporting import month_cache
from xjwc_desktop.core.resources import load_json
from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.storage.reference import install_reference_data
from xjwc_desktop.core.worktime import default_calendar

INSPECTORS = [  # (code, name, zone): three per patrol zone
    ("XC01", "王建国", "north"), ("XC02", "李卫东", "north"), ("XC03", "陈丽华", "north"),
    ("XC04", "张志强", "south"), ("XC05", "刘海燕", "south"), ("XC06", "周晓明", "south"),
]
SCALE_PERIOD = (dt.date(2016, 1, 1), dt.date(2026, 10, 31))
SCALE_SOURCE_SHARE = {CaseSource.PATROL: 0.80, CaseSource.DALIANDONG: 0.14,
                      CaseSource.HOTLINE: 0.03, CaseSource.DISTRICT_GRID: 0.015,
                      CaseSource.WECHAT: 0.015}
EXTERNAL_PREFIX = {CaseSource.HOTLINE.value: "12345-", CaseSource.DISTRICT_GRID.value: "QWG-",
                   CaseSource.DALIANDONG.value: "DLD-", CaseSource.WECHAT.value: "WX-"}

Progress = Callable[[str], None]
Points = tuple[np.ndarray, np.ndarray, np.ndarray]  # rowid, lon, lat of cases


def _minutes_in_days(rng, days: np.ndarray, first_hour: int, last_hour: int) -> np.ndarray:
    minutes = rng.integers(first_hour * 60, last_hour * 60, days.size)
    return days.astype("datetime64[m]") + minutes.astype("timedelta64[m]")


def create_demo(path: str | os.PathLike[str], *, cases: int = 0, seed_value: int = 2015,
                progress: Progress | None = None) -> Path:
    """Write a new demo database at ``path``; ``cases`` extra synthetic cases for scale.

    The database is built in a temporary file beside ``path`` and moved into place only
    when complete, so an interrupted run leaves nothing behind and an existing file is
    never overwritten.
    """
    say = progress or (lambda _msg: None)
    path = Path(path).expanduser()
    if path.exists() and path.stat().st_size > 0:
        raise DatabaseError(f"“{path}”已存在，演示数据库不会覆盖已有文件。请换一个路径或先删除它。")
    if not path.parent.is_dir():
        raise DatabaseError(f"文件夹“{path.parent}”不存在。")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    collecting = gc.isenabled()
    # Millions of rows are built as lists and tuples of plain values, none in a cycle; the
    # cycle collector would walk them all again and again (measured: half the build time).
    gc.disable()
    try:
        _fill(tmp, cases, seed_value, say)
        os.replace(tmp, path)
    except (OSError, SQLAlchemyError) as exc:
        # SQLite says "disk I/O error" when the file may not grow (EFBIG): the files it
        # made tell whether that was the reason, before they are deleted below.
        made = [p for p in (tmp, Path(f"{tmp}-wal")) if p.exists()]
        if is_disk_full(exc) or ("disk I/O error" in str(exc) and out_of_space(made)):
            raise DiskFullError(f"磁盘空间不足，演示数据库“{path}”未创建"
                                "（未完成的临时文件已删除）。请清理磁盘后重试。") from exc
        raise
    finally:
        if collecting:
            gc.enable()
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
    return path


def _fill(tmp: Path, n_scale: int, seed_value: int, say: Progress) -> None:
    rng = np.random.default_rng(seed_value)
    ids = random.Random(seed_value)
    origin = uuid7(buildings.DEMO_ID_MS, ids)  # the demo generator, as a "workstation"
    maps = load_map_data()
    db = open_database(tmp, create=True, bulk_load=True)
    try:
        with db.write() as s:
            install_reference_data(s, origin)
        places = load_json("data/places.json")
        when = "2015-11-01 00:00:00.000000"
        with db.engine.begin() as conn:
            say("写入小区、公益自行车站点、违法建筑与无证建筑普查……")
            buildings.insert_compounds(conn, ids, maps, origin, places["compounds"], when)
            buildings.insert_bike_stations(conn, rng, ids, maps, origin,
                                           places["bike_stations"], when)
            villas = [(c["lon"], c["lat"]) for c in places["compounds"]
                      if c["kind"] == "别墅区"]
            homes = [(c["lon"], c["lat"]) for c in places["compounds"] if "住宅" in c["kind"]
                     or c["kind"] == "别墅区"]
            buildings.insert_illegal_structures(conn, rng, ids, maps, origin, villas,
                                                places["compounds"])
            buildings.insert_census(conn, rng, ids, maps, origin, homes, places["compounds"])
            inspectors = _insert_inspectors(conn, ids, origin, when)
        with db.write() as s:
            ctx = _context(s, rng, ids, maps, origin, places["compounds"])
        with db.engine.begin() as conn:
            say("生成 2015 年 1–10 月各渠道案件与巡查发现……")
            _seed_cases(ctx, conn, inspectors)
            saved: list[str] = []
            tree = None
            if n_scale:
                say(f"生成 {n_scale:,} 件规模测试案件……")
                saved = drop_secondary(conn, "cases")
                tree = _scale_cases(ctx, conn, n_scale, _positions(conn))
        # From here readers count while the writer builds: WAL lets them run side by side
        # (the file ends in WAL anyway). Leaving journal_mode OFF needs the file to itself:
        # the pooled connections are closed first; those opened later keep WAL.
        db.engine.dispose()
        with db.engine.connect() as conn:  # outside a transaction, as SQLite requires
            conn.connection.driver_connection.execute("PRAGMA journal_mode = WAL")
        say("建立索引，统计看板按月汇总……")
        # The dashboard's month caches, counted now (the cases went in without the triggers
        # that mark months): no first dashboard waits for them. Their scans need no index,
        # so two readers count while the writer packs the R*Tree and makes the indexes
        # (SQLite releases the GIL).
        with ThreadPoolExecutor(1, thread_name_prefix="xjwc-demo-count") as pool:
            counting = pool.submit(month_cache.count_all, db.engine)
            with db.engine.begin() as conn:
                if tree is not None:
                    _fill_rtree(conn, tree)
                restore(conn, saved)
                # Sampled statistics: enough for the planner, seconds cheaper at a million.
                conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
                conn.exec_driver_sql("ANALYZE")
            counted = counting.result()
        with db.engine.begin() as conn:
            month_cache.store_all(conn, counted)
    finally:
        db.close()
    # Hand over a file in the mode every workstation database uses.
    with sqlite3.connect(tmp) as con:
        con.execute("PRAGMA journal_mode = WAL")
    con.close()


def _positions(conn) -> Points:
    """Rowids and positions of the cases in the table (plain tuples from the driver: numpy
    reads them directly, SQLAlchemy rows it does not)."""
    rows = conn.connection.driver_connection.execute(
        "SELECT rowid, lon, lat FROM cases ORDER BY rowid").fetchall()
    points = np.array(rows, dtype=np.float64).reshape(-1, 3)
    return points[:, 0].astype(np.int64), points[:, 1], points[:, 2]


def _fill_rtree(conn, tree: rtree_pack.PackedTree) -> None:
    """The spatial index of every case in one packed pass (see :mod:`.rtree_pack`)."""
    if not rtree_pack.write(conn, tree):
        conn.exec_driver_sql("DELETE FROM case_rtree")
        conn.exec_driver_sql("INSERT INTO case_rtree SELECT rowid, lon, lon, lat, lat "
                             "FROM cases")


def _insert_inspectors(conn, ids, origin: str, when: str) -> list[tuple[str, str]]:
    rows = [(uuid7(buildings.DEMO_ID_MS, ids), code, name, zone)
            for code, name, zone in INSPECTORS]
    insert_columns(conn, "inspectors", {
        "id": [r[0] for r in rows], "code": [r[1] for r in rows], "name": [r[2] for r in rows],
        "zone_code": [r[3] for r in rows], "daily_target": [seed.PATROL_DAILY_TARGET] * len(rows),
        "active": [1] * len(rows), "created_at": [when] * len(rows),
        "updated_at": [when] * len(rows), "written_by": [origin] * len(rows)})
    return [(r[0], r[3]) for r in rows]


def _context(session, rng, ids, maps, origin, compounds) -> DemoContext:
    cal = default_calendar()
    dept_ids = {d.code: d.id for d in session.scalars(select(Department))}
    cats = list(session.scalars(select(Category).order_by(Category.code)))
    return DemoContext(
        rng=rng, ids=ids, maps=maps, calendar=cal, workstation_id=origin,
        category_codes=np.array([c.code for c in cats], dtype=object),
        category_names=np.array([c.name for c in cats], dtype=object),
        category_limits=np.array([cal.limit_minutes(c.time_limit, c.time_limit_unit.value)
                                  for c in cats]),
        category_departments=np.array([dept_ids.get(c.default_department_code) for c in cats],
                                      dtype=object),
        compound_names=[c["name"] for c in compounds],
        compound_xy=np.array([(c["lon"], c["lat"]) for c in compounds]),
    )


def _seed_cases(ctx: DemoContext, conn, inspectors: list[tuple[str, str]]) -> None:
    first, last = seed.CASE_PERIOD
    days = day_range(first, last)
    rng = ctx.rng
    # Channels: exactly the report's counts, spread over the period, anywhere in the street.
    sources = np.concatenate([np.full(n, s.value, dtype=object)
                              for s, n in seed.CASES_BY_SOURCE.items()])
    reported = _minutes_in_days(rng, rng.choice(days, sources.size), 7, 21)
    # Patrol: every inspector finds 6 to 9 cases every day, in their own zone.
    per_day = rng.integers(seed.PATROL_DAILY_TARGET, seed.PATROL_DAILY_TARGET + 4,
                           (len(inspectors), days.size)).ravel()
    insp = np.repeat(np.repeat(np.arange(len(inspectors)), days.size), per_day)
    patrol_days = np.repeat(np.tile(days, len(inspectors)), per_day)
    n_channel = sources.size
    generate_cases(
        ctx, conn,
        np.r_[sources, np.full(insp.size, CaseSource.PATROL.value, dtype=object)],
        np.r_[reported, _minutes_in_days(rng, patrol_days, 7, 20)],
        np.datetime64(f"{last}T23:59", "m"),
        zones=np.r_[np.full(n_channel, ""), [inspectors[i][1] for i in insp]],
        inspector_ids=np.r_[np.full(n_channel, None, dtype=object),
                            np.array([inspectors[i][0] for i in insp], dtype=object)],
        external_prefix=EXTERNAL_PREFIX)


def _scale_cases(ctx: DemoContext, conn, n: int, points: Points) -> rtree_pack.PackedTree:
    """Cases after the seed period (2016 on), so the report's figures stay exact; returns
    the case R*Tree packed over ``points`` (the cases already in) and these cases."""
    first, last = SCALE_PERIOD
    days = day_range(first, last)
    shares = np.array(list(SCALE_SOURCE_SHARE.values()))
    sources = ctx.rng.choice(np.array([s.value for s in SCALE_SOURCE_SHARE], dtype=object),
                             n, p=shares / shares.sum())
    # In time order, so ids (time-ordered) and case numbers append to their indexes instead
    # of landing on random pages: that is the difference between seconds and many minutes.
    reported = np.sort(_minutes_in_days(ctx.rng, ctx.rng.choice(days, n), 7, 21))
    # Scale cases carry their lifecycle timestamps but no step-by-step history: they exist
    # to load the map, the table and the statistics, and six million history rows would
    # only slow the generator.
    numbers = case_numbers(reported)  # numbered over all days, not per chunk
    as_of = np.datetime64(f"{last}T23:59", "m")
    chunk = 100_000
    slices = [slice(s, min(n, s + chunk)) for s in range(0, n, chunk)]

    def build(sl: slice):
        return build_cases(ctx, sources[sl], reported[sl], as_of, with_history=False,
                           numbers=numbers[sl])

    top = int(points[0].max(initial=0))
    # Without a rowid given, SQLite numbers a row one above the largest: the new cases
    # will be top + 1 … top + n (checked below).
    rowids = np.r_[points[0], np.arange(top + 1, top + n + 1)]
    lons, lats = [points[1]], [points[2]]
    # One worker builds batch k+1 (numpy, Python objects) while SQLite inserts batch k;
    # sqlite3 releases the GIL while it steps. Batches are built in order by a single
    # thread, so the random draws (and the demo) stay deterministic. Once the last batch
    # is built the worker packs the R*Tree while the last batch goes in.
    # SQLite's CHECK constraints (the codes of source, status and zone) cost the writer
    # 1.5 s of 7 at a million rows: build_cases checks the same enumerations per batch in
    # numpy instead (check_codes), and the tests' PRAGMA integrity_check checks the whole
    # file. Foreign keys are still checked row by row.
    conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    try:
        tree = _insert_batches(conn, slices, build, rowids, lons, lats)
    finally:
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
    if tuple(conn.exec_driver_sql("SELECT max(rowid), count(*) FROM cases").one()) != (
            top + n, points[0].size + n):
        return rtree_pack.pack(*_positions(conn))
    return tree


def _insert_batches(conn, slices: list[slice], build, rowids: np.ndarray,
                    lons: list[np.ndarray], lats: list[np.ndarray]) -> rtree_pack.PackedTree:
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(build, slices[0])
        for following in [*slices[1:], None]:
            batch = pending.result()
            lons.append(batch.lon)
            lats.append(batch.lat)
            if following is not None:
                pending = pool.submit(build, following)
            else:
                packing = pool.submit(rtree_pack.pack, rowids, np.concatenate(lons),
                                      np.concatenate(lats))
            batch.insert(conn)
        return packing.result()
