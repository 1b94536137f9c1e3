"""重复案件: a new case near an open case of the same category, within that category's days."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import literal_column, select, update
from sqlalchemy.orm import Session

from xjwc_desktop.core.model import Case, CaseStatus, Category
from xjwc_desktop.core.storage.spatial import case_rowids_in_bbox
from xjwc_desktop.core.workflow.engine import WorkflowError, act, find_case
from xjwc_desktop.core.workflow.rules import Action

OPEN_STATES = (CaseStatus.REPORTED, CaseStatus.REGISTERED, CaseStatus.DISPATCHED,
               CaseStatus.HANDLED, CaseStatus.VERIFIED, CaseStatus.SUSPENDED)
EARTH_M = 6_371_008.8


@dataclass(frozen=True)
class Duplicate:
    case_id: str
    case_no: str
    distance_m: float
    reported_at: dt.datetime
    status: CaseStatus


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine); metres matter here, not millimetres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(a))


def find_duplicates(session: Session, category: Category, lon: float, lat: float,
                    at: dt.datetime, exclude_id: str | None = None) -> list[Duplicate]:
    """Open cases of ``category`` within its radius and days of (lon, lat, at), nearest first."""
    radius = category.duplicate_radius_m
    dlat = radius / 111_320.0
    dlon = radius / (111_320.0 * math.cos(math.radians(lat)))
    rowids = case_rowids_in_bbox(session.connection(), lon - dlon, lat - dlat,
                                 lon + dlon, lat + dlat)
    if rowids.size == 0:
        return []
    since = at - dt.timedelta(days=category.duplicate_days)
    rows = session.scalars(select(Case).where(
        literal_column("cases.rowid").in_([int(r) for r in rowids]),
        Case.category_code == category.code, Case.status.in_(OPEN_STATES),
        Case.reported_at >= since, Case.reported_at <= at, Case.deleted_at.is_(None)))
    out = []
    for case in rows:
        if case.id == exclude_id:
            continue
        d = distance_m(lon, lat, case.lon, case.lat)
        if d <= radius:
            out.append(Duplicate(case.id, case.case_no, round(d, 1), case.reported_at,
                                 case.status))
    return sorted(out, key=lambda x: x.distance_m)


def link_duplicate(session: Session, ref: str, original_ref: str, actor, *,
                   workstation_id: str, at: dt.datetime | None = None):
    """The operator confirms ``ref`` repeats ``original_ref``: it is voided and linked."""
    original = find_case(session, original_ref)
    if find_case(session, ref).id == original.id:
        raise WorkflowError(f"案件 {original.case_no} 不能与自身重复。")
    if original.status not in OPEN_STATES:
        raise WorkflowError(
            f"案件 {original.case_no} 已{original.status.label}，不能作为重复的原案件。")
    result = act(session, ref, Action.VOID, actor, workstation_id=workstation_id, at=at,
                 note=f"重复案件，并入 {original.case_no}")
    session.execute(update(Case).where(Case.id == result.case_id)
                    .values(duplicate_of_id=original.id)
                    .execution_options(synchronize_session=False))
    return result
