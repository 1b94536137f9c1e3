"""受理: a new case enters the loop, placed on the map, numbered, checked for duplicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xjwc_desktop.core import clock
from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.model import (
    Case,
    CaseEvent,
    CaseSource,
    CaseStatus,
    Category,
    Compound,
    Inspector,
)
from xjwc_desktop.core.sync.state import device_no
from xjwc_desktop.core.workflow.duplicates import Duplicate, find_duplicates
from xjwc_desktop.core.workflow.engine import Actor, WorkflowError
from xjwc_desktop.core.workflow.numbering import next_case_number
from xjwc_desktop.core.workflow.rules import Role

MAX_TEXT = 4000


@dataclass(frozen=True)
class NewCase:
    case_id: str
    case_no: str
    zone_code: str
    grid_code: str
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def changes(self) -> Changes:
        return Changes.of_cases(added=[self.case_id], tables=("cases", "case_events"))


def find_category(session: Session, text: str) -> Category:
    cat = session.scalar(select(Category).where(or_(Category.code == text, Category.name == text),
                                                Category.deleted_at.is_(None)))
    if cat is None:
        names = "、".join(session.scalars(select(Category.name).order_by(Category.code)))
        raise WorkflowError(f"未知的案件类别“{text}”。可选：{names}")
    return cat


def locate_address(session: Session, address: str) -> tuple[float, float, str] | None:
    """Place an address by the compounds and places we know (name or alias in the text)."""
    best = None
    for c in session.scalars(select(Compound).where(Compound.deleted_at.is_(None))):
        for name in [c.name, *(c.aliases or "").split("/")]:
            if name and name in address and (best is None or len(name) > len(best[2])):
                best = (c.lon, c.lat, name)
    return best


def create_case(session: Session, *, source: str, category: str, workstation_id: str,
                lon: float | None = None, lat: float | None = None,
                address: str | None = None, description: str | None = None,
                reporter_name: str | None = None, reporter_phone: str | None = None,
                inspector: str | None = None, external_no: str | None = None,
                actor: Actor | None = None, at: dt.datetime | None = None) -> NewCase:
    """Take in a case (状态“受理”). Position by coordinates or, failing that, by address."""
    src = _parse(CaseSource, source)
    cat = find_category(session, category)
    for name, text in (("地址", address), ("问题描述", description)):
        if text and len(text) > MAX_TEXT:
            raise WorkflowError(f"{name}过长（{len(text)} 字，最多 {MAX_TEXT} 字）。")
    if lon is None or lat is None:
        placed = locate_address(session, address or "")
        if placed is None:
            raise WorkflowError(f"没有坐标，且无法按地址“{address or ''}”定位：请在地图上点选位置"
                                "或输入经纬度（WGS84）。")
        lon, lat = placed[0], placed[1]
    maps = load_map_data()
    zone = maps.zone_at(lon, lat)
    if zone is None:
        raise WorkflowError(f"坐标 ({lon:.6f}, {lat:.6f}) 不在新江湾城街道范围内"
                            "（应为 WGS84 经纬度，约东经 121.489–121.525、北纬 31.310–31.348）。")
    insp = None
    if inspector:
        insp = session.scalar(select(Inspector).where(
            or_(Inspector.code == inspector, Inspector.name == inspector)))
        if insp is None:
            raise WorkflowError(f"未知的巡查员“{inspector}”。")
    if external_no:
        existing = session.scalar(select(Case.case_no).where(
            Case.source == src, Case.external_no == external_no))
        if existing:
            raise WorkflowError(f"{src.label}工单“{external_no}”已受理过（案卷号 {existing}），"
                                "不再重复受理。")
    at = at or clock.now()
    actor = actor or Actor(Role.INSPECTOR if src is CaseSource.PATROL else Role.INTAKE)
    duplicates = find_duplicates(session, cat, lon, lat, at)
    conn = session.connection()
    case = Case(case_no=next_case_number(conn, at.date(), device_no(conn)),
                external_no=external_no,
                source=src, category_code=cat.code, status=CaseStatus.REPORTED, lon=lon, lat=lat,
                address=address, description=description, reporter_name=reporter_name,
                reporter_phone=reporter_phone, inspector_id=insp.id if insp else None,
                zone_code=zone, grid_code=maps.grid_at(lon, lat), reported_at=at,
                written_by=workstation_id)
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, seq=1, action="report", from_status=None,
                          to_status=CaseStatus.REPORTED, actor_role=actor.role.label,
                          actor_name=actor.name, at=at, written_by=workstation_id))
    session.flush()
    return NewCase(case.id, case.case_no, zone, case.grid_code, duplicates)


def _parse(enum_cls, text: str):
    try:
        return enum_cls.from_text(text)
    except ValueError as exc:
        raise WorkflowError(str(exc)) from exc
