"""Writing a checked import plan: all rows in one transaction, or none.

Work orders become cases by the intake's rules (``workflow.intake.create_case``): status
受理, a case number ``XJW<date><seq>`` counted per report date, patrol zone and unit grid
from the position, and a first history event ("受理", by 受理员, noting the file and row).
They are inserted in bulk (executemany): the per-row ORM path takes a minute for 100,000
orders. Keys are checked again inside the transaction, so an order another workstation
added in the meantime is reported as already there rather than failing the import.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import defaultdict

from sqlalchemy import Connection

from xjwc_desktop.core.demo.bulk import insert_rows
from xjwc_desktop.core.exchange.plan import ImportPlan, RowNote, existing_keys
from xjwc_desktop.core.exchange.progress import Progress, Throttle
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.reporting import month_cache
from xjwc_desktop.core.storage.spatial import bulk_insert
from xjwc_desktop.core.sync.state import device_no
from xjwc_desktop.core.workflow.numbering import case_number, last_sequence
from xjwc_desktop.core.workflow.rules import Role

CHUNK = 10_000


def _stamp(value: dt.datetime) -> str:
    """SQLAlchemy's text form of a DATETIME on SQLite (filters compare these texts)."""
    return value.isoformat(sep=" ", timespec="microseconds")


def apply_plan(conn: Connection, plan: ImportPlan, *, workstation_id: str, now: dt.datetime,
               file_name: str, progress: Progress | None = None) -> list[RowNote]:
    """Insert the plan's good rows on ``conn`` (inside the caller's transaction).

    Returns the rows found already present at write time (added by someone else since
    the plan was made); they are left out.
    """
    report = Throttle(progress)
    present = existing_keys(conn, plan.kind)
    raced = [RowNote(v["_row"], v[plan.kind.key], "已在库中") for v in plan.good
             if v[plan.kind.key] in present]
    rows = [v for v in plan.good if v[plan.kind.key] not in present]
    writer = {"cases": _cases, "illegal_structures": _structures,
              "census_records": _census, "bike_stations": _bikes}[plan.kind.table]
    table, names, tuples, extra = writer(conn, plan, rows, workstation_id, _stamp(now),
                                         file_name)
    total = len(tuples)
    with bulk_insert(conn, table, total):
        for start in range(0, total, CHUNK):
            report(start, total, f"写入第 {start:,}/{total:,} 行")
            insert_rows(conn, table, names, tuples[start:start + CHUNK])
            if extra:
                insert_rows(conn, extra[0], extra[1], extra[2][start:start + CHUNK])
        report(total, total, f"已写入 {total:,} 行，更新空间索引")
    if table == "cases" and month_cache.usable(conn):
        # The dashboard's months the new cases fall in, counted now, with the data: no
        # dashboard waits for them later (the cost follows the months touched).
        month_cache.refresh(conn)
    return raced


def _case_numbers(conn: Connection, rows: list[dict]) -> list[str]:
    """Case numbers continuing each report date's sequence in this workstation's block
    (as ``next_case_number``)."""
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for i, v in enumerate(rows):
        by_day[v["reported_at"].date()].append(i)
    numbers = [""] * len(rows)
    device = device_no(conn)
    for day, indexes in by_day.items():
        seq = last_sequence(conn, day, device)
        for i in sorted(indexes, key=lambda i: (rows[i]["reported_at"], rows[i]["_row"])):
            seq += 1
            numbers[i] = case_number(day, device, seq)
    return numbers


def _cases(conn, plan, rows, ws, now, file_name):
    names = ["id", "case_no", "external_no", "source", "category_code", "status", "lon", "lat",
             "address", "description", "reporter_name", "reporter_phone", "compound_id",
             "zone_code", "grid_code", "reported_at", "extension_hours",
             "extension_requested_hours", "rework_count", "escalated", "created_at",
             "updated_at", "written_by"]
    event_names = ["id", "case_id", "seq", "action", "from_status", "to_status", "actor_role",
                   "at", "note", "created_at", "updated_at", "written_by"]
    cases, events = [], []
    # One OS-seeded generator for the ids' random bits: a system call per id (os.urandom)
    # would cost more than the insert itself.
    rng = random.Random(os.urandom(32))
    for v, number in zip(rows, _case_numbers(conn, rows), strict=True):
        case_id = uuid7(rand=rng)
        reported = _stamp(v["reported_at"])
        cases.append((case_id, number, v["external_no"], plan.kind.source.value,
                      v["category"], CaseStatus.REPORTED.value, v["lon"], v["lat"],
                      v.get("address"), v.get("description"), v.get("reporter_name"),
                      v.get("reporter_phone"), v.get("compound_id"), v["zone_code"],
                      v["grid_code"], reported, 0.0, 0.0, 0, 0, now, now, ws))
        note = f"导入{plan.kind.label}：{file_name} 第 {v['_row']} 行"
        if v.get("placed_by"):
            note += f"（按地址定位到“{v['placed_by']}”）"
        events.append((uuid7(rand=rng), case_id, 1, "report", None, CaseStatus.REPORTED.value,
                       Role.INTAKE.label, reported, note, now, now, ws))
    return "cases", names, cases, ("case_events", event_names, events)


def _building(v, ws, now):
    return (uuid7(), v["code"], v["lon"], v["lat"], v.get("address"), v.get("compound_id"),
            v["zone_code"], v["grid_code"], v["area_m2"], int(v["residential"]), v.get("note"),
            now, now, ws)


BUILDING = ["id", "code", "lon", "lat", "address", "compound_id", "zone_code", "grid_code",
            "area_m2", "residential", "note", "created_at", "updated_at", "written_by"]


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _structures(conn, plan, rows, ws, now, file_name):
    names = [*BUILDING, "status", "found_on", "demolished_on", "handled_by"]
    return "illegal_structures", names, [
        (*_building(v, ws, now), v["status"].value, _date(v["found_on"]),
         _date(v.get("demolished_on")), v.get("handled_by")) for v in rows], None


def _census(conn, plan, rows, ws, now, file_name):
    names = [*BUILDING, "use", "surveyed_on"]
    return "census_records", names, [
        (*_building(v, ws, now), v.get("use"), _date(v["surveyed_on"])) for v in rows], None


def _bikes(conn, plan, rows, ws, now, file_name):
    names = ["id", "code", "name", "lon", "lat", "position_approximate", "zone_code",
             "capacity", "bikes", "operator", "created_at", "updated_at", "written_by"]
    return "bike_stations", names, [
        (uuid7(), v["code"], v["name"], v["lon"], v["lat"], int(bool(v.get("placed_by"))),
         v["zone_code"], v["capacity"], v["bikes"], v.get("operator"), now, now, ws)
        for v in rows], None
