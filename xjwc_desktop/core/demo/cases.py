"""Demo cases: the seed period's intake by channel, patrol discoveries, and scale cases."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Enum

from xjwc_desktop.core.demo import texts
from xjwc_desktop.core.demo.bulk import Rows, insert, sqlite_datetimes, to_rows
from xjwc_desktop.core.demo.lifecycle import Lifecycles, simulate
from xjwc_desktop.core.demo.positions import M_PER_DEG_LAT, M_PER_DEG_LON, sample_positions
from xjwc_desktop.core.geo.mapdata import MapData
from xjwc_desktop.core.geo.measure import road_of_grids
from xjwc_desktop.core.ids import uuid7_many
from xjwc_desktop.core.model import Case, CaseSource
from xjwc_desktop.core.worktime import WorkCalendar

# Which categories each channel brings, by weight (unlisted categories weigh 1).
CATEGORY_WEIGHTS = {
    CaseSource.PATROL: {"暴露垃圾": 8, "乱张贴": 8, "无证设摊": 6, "非机动车乱停放": 6,
                        "道路不洁": 5, "占道经营": 5, "井盖缺损": 2, "垃圾箱破损": 3},
    CaseSource.HOTLINE: {"噪声扰民": 8, "群租": 6, "违法搭建": 6, "施工扰民": 5, "占道经营": 3},
    CaseSource.DISTRICT_GRID: {"违法搭建": 5, "无证设摊": 4, "暴露垃圾": 3},
    CaseSource.DALIANDONG: {"暴露垃圾": 5, "乱张贴": 5, "无证设摊": 5, "占道经营": 4,
                            "机动车乱停放": 4, "群租": 3, "安全隐患": 3},
    CaseSource.WECHAT: {"噪声扰民": 4, "绿化损坏": 3, "小区设施损坏": 3, "路灯损坏": 3},
}


@dataclass
class DemoContext:
    """What the case generator needs to know about the database it fills."""

    rng: np.random.Generator
    ids: random.Random
    maps: MapData
    calendar: WorkCalendar
    workstation_id: str
    category_codes: np.ndarray
    category_names: np.ndarray
    category_limits: np.ndarray  # working minutes
    category_departments: np.ndarray  # department ids
    compound_names: list[str]
    compound_xy: np.ndarray  # (k, 2) lon, lat


def _pick_categories(ctx: DemoContext, sources: np.ndarray) -> np.ndarray:
    out = np.empty(sources.size, dtype=np.int64)
    for source in CaseSource:
        mask = sources == source.value
        if mask.any():
            table = CATEGORY_WEIGHTS.get(source, {})
            w = np.array([table.get(n, 1) for n in ctx.category_names], dtype=float)
            out[mask] = ctx.rng.choice(w.size, size=int(mask.sum()), p=w / w.sum())
    return out


def _places(ctx: DemoContext, lon: np.ndarray, lat: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return place_names(ctx.maps, ctx.compound_names, ctx.compound_xy, lon, lat, grid)


def place_names(maps: MapData, compound_names: list[str], compound_xy: np.ndarray,
                lon: np.ndarray, lat: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """An address for each point: the compound it is in, else the road by its unit grid
    (cases, illegal structures and census records alike)."""
    dx = (lon[:, None] - compound_xy[None, :, 0]) * M_PER_DEG_LON
    dy = (lat[:, None] - compound_xy[None, :, 1]) * M_PER_DEG_LAT
    dist = np.hypot(dx, dy)
    nearest = dist.argmin(axis=1)
    compound = np.array(compound_names, dtype=object)[nearest]
    road = road_of_grids(maps, grid)
    return np.where(dist[np.arange(lon.size), nearest] < 200, compound,
                    np.char.add(road.astype(str), "沿线").astype(object))


def case_numbers(reported: np.ndarray) -> np.ndarray:
    """XJW + date + 5-digit sequence of the day, in order of reporting."""
    order = np.argsort(reported, kind="stable")
    day = reported[order].astype("datetime64[D]")
    first = np.r_[0, np.flatnonzero(day[1:] != day[:-1]) + 1]
    run = np.repeat(first, np.diff(np.r_[first, day.size]))
    seq = np.arange(day.size) - run + 1
    text = np.char.add(np.char.add("XJW", np.char.replace(
        np.datetime_as_string(day, unit="D"), "-", "")),
        np.char.zfill(seq.astype(str), 5))
    out = np.empty(reported.size, dtype=object)
    out[order] = text
    return out


@dataclass
class CaseBatch:
    """Rows of generated cases (and their history), ready to insert."""

    cases: Rows
    history: Rows | None
    lon: np.ndarray
    lat: np.ndarray

    def insert(self, conn: Connection) -> int:
        insert(conn, "cases", self.cases)
        if self.history is not None:
            insert(conn, "case_events", self.history)
        return len(self.cases)


def generate_cases(ctx: DemoContext, conn: Connection, *args, **kwargs) -> int:
    """Build and insert cases in one go (see :func:`build_cases`)."""
    return build_cases(ctx, *args, **kwargs).insert(conn)


def build_cases(
    ctx: DemoContext,
    sources: np.ndarray,
    reported_at: np.ndarray,
    as_of: np.datetime64,
    *,
    zones: np.ndarray | None = None,
    inspector_ids: np.ndarray | None = None,
    external_prefix: dict[str, str] | None = None,
    with_history: bool = True,
    numbers: np.ndarray | None = None,
) -> CaseBatch:
    """One case per entry of ``sources``/``reported_at``, with a plausible lifecycle.

    Touches no database: the scale generator builds the next batch on a worker thread
    while the previous one is being inserted.
    """
    n = sources.size
    rng = ctx.rng
    lon, lat = sample_positions(rng, ctx.maps, zones, n, anchors=list(map(tuple, ctx.compound_xy)))
    zone = ctx.maps.zone_of(lon, lat)
    grid = ctx.maps.grid_code_of(lon, lat)
    cat = _pick_categories(ctx, sources)
    life = simulate(rng, ctx.calendar, reported_at, ctx.category_limits[cat], as_of)
    places = _places(ctx, lon, lat, grid)
    case_no = case_numbers(reported_at) if numbers is None else numbers
    ms = reported_at.astype("datetime64[ms]").astype(np.int64) - 8 * 3_600_000  # Beijing→UTC
    ids = uuid7_many(ms, ctx.ids)
    external = np.full(n, None, dtype=object)
    for source, prefix in (external_prefix or {}).items():
        mask = sources == source
        external[mask] = [f"{prefix}{c[3:]}" for c in case_no[mask]]
    dept = np.where(np.isnat(life.dispatched_at), None, ctx.category_departments[cat])
    now = sqlite_datetimes(reported_at)
    columns = {
        "id": ids, "case_no": case_no, "external_no": external, "source": sources,
        "category_code": ctx.category_codes[cat], "status": life.status,
        "lon": lon, "lat": lat, "address": places,
        "description": texts.describe(rng, sources, ctx.category_names[cat], places),
        "inspector_id": inspector_ids if inspector_ids is not None else np.full(n, None),
        "department_id": dept, "zone_code": zone, "grid_code": grid,
        "reported_at": now,
        "registered_at": sqlite_datetimes(life.registered_at),
        "dispatched_at": sqlite_datetimes(life.dispatched_at),
        "handled_at": sqlite_datetimes(life.handled_at),
        "verified_at": sqlite_datetimes(life.verified_at),
        "closed_at": sqlite_datetimes(life.closed_at),
        "voided_at": sqlite_datetimes(life.voided_at),
        "suspended_at": sqlite_datetimes(life.suspended_at),
        "deadline_at": sqlite_datetimes(life.deadline_at),
        "extension_hours": life.extension_hours, "rework_count": life.rework_count,
        "escalated": life.escalated.astype(int),
        "created_at": now, "updated_at": now,
        "written_by": np.full(n, ctx.workstation_id, dtype=object),
    }
    check_codes(columns)
    history = _history(ctx, ids, sources, reported_at, life, dept) if with_history else None
    return CaseBatch(to_rows(columns), history, lon, lat)


def check_codes(columns: dict[str, object]) -> None:
    """Raise ValueError unless every coded column (an enumeration the ``cases`` table
    CHECKs) holds only its codes: what SQLite's CHECK constraints would refuse, refused
    here, because the scale cases go in with those constraints off (``xjwc demo``)."""
    for column in Case.__table__.c:
        kind = column.type
        if not (isinstance(kind, Enum) and kind.create_constraint and column.name in columns):
            continue
        values = columns[column.name]
        seen = set(values.tolist() if isinstance(values, np.ndarray) else values)
        unknown = seen - set(kind.enums) - ({None} if column.nullable else set())
        if unknown:
            raise ValueError(f"cases.{column.name}: not a code of its enumeration: "
                             f"{sorted(map(repr, unknown))}")


# (action, column of Lifecycles, from, to, actor role)
STEPS = [
    ("register", "registered_at", "reported", "registered", "值班长"),
    ("dispatch", "dispatched_at", "registered", "dispatched", "派遣员"),
    ("handle", "first_handled_at", "dispatched", "handled", "处置部门"),
    ("rework", "reworked_at", "handled", "dispatched", "巡查员"),
    ("handle", "handled_at", "dispatched", "handled", "处置部门"),
    ("verify", "verified_at", "handled", "verified", "巡查员"),
    ("close", "closed_at", "verified", "closed", "值班长"),
    ("void", "voided_at", "reported", "voided", "值班长"),
    ("suspend", "suspended_at", "dispatched", "suspended", "值班长"),
]


def _history(ctx, ids, sources, reported_at, life: Lifecycles, dept):
    cols: dict[str, list] = {k: [] for k in (
        "id", "case_id", "seq", "action", "from_status", "to_status", "actor_role", "at",
        "department_id", "note", "created_at", "updated_at", "written_by")}
    texts_at = {name: sqlite_datetimes(getattr(life, name)) for _, name, *_ in STEPS}
    reported_text = sqlite_datetimes(reported_at)
    ms = reported_at.astype("datetime64[ms]").astype(np.int64) - 8 * 3_600_000
    at_ms: list[int] = []  # each event's id time; the ids are drawn at the end, in order
    for i, case_id in enumerate(ids):
        patrol = sources[i] == CaseSource.PATROL.value
        steps = [("report", reported_text[i], None, "reported",
                  "巡查员" if patrol else "受理员", None)]
        for action, name, src, dst, role in STEPS:
            at = texts_at[name][i]
            if at is not None:
                steps.append((action, at, src, dst, role,
                              dept[i] if action in ("dispatch", "handle") else None))
        steps.sort(key=lambda s: s[1])
        for seq, (action, at, src, dst, role, dep) in enumerate(steps, start=1):
            at_ms.append(int(ms[i]) + seq)
            cols["case_id"].append(case_id)
            cols["seq"].append(seq)
            cols["action"].append(action)
            cols["from_status"].append(src)
            cols["to_status"].append(dst)
            cols["actor_role"].append(role)
            cols["at"].append(at)
            cols["department_id"].append(dep)
            cols["note"].append(None)
            cols["created_at"].append(at)
            cols["updated_at"].append(at)
            cols["written_by"].append(ctx.workstation_id)
    cols["id"] = uuid7_many(np.array(at_ms, np.int64), ctx.ids)
    return to_rows(cols)


def day_range(first: dt.date, last: dt.date) -> np.ndarray:
    return np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
