"""Reference data every workstation database starts with.

Departments, case categories, the two patrol zones and the unit grids are the same in
every database of the street; they are installed on creation and refreshed idempotently
(matched by their codes), so an upgrade of the shipped data reaches old databases too.
"""

from __future__ import annotations

import json
import uuid

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.geo.measure import area_m2
from xjwc_desktop.core.geo.zoning import COMMUNITY_CODES, ZONE_NAMES
from xjwc_desktop.core.model import (
    Category,
    CategoryKind,
    Department,
    PatrolZone,
    TimeLimitUnit,
    UnitGrid,
    ZoneCode,
)
from xjwc_desktop.core.resources import load_json

# Reference rows get the same id on every workstation (derived from their natural key), so
# that "城管中队" is one row everywhere when databases sync, and demo data is reproducible.
REFERENCE_NAMESPACE = uuid.UUID("6f1c3c1e-5b7a-4f0e-9d3a-0c5e2a1b7d42")


def reference_id(table: str, key: str) -> str:
    """The workstation-independent id of reference row ``key`` of ``table``."""
    return uuid.uuid5(REFERENCE_NAMESPACE, f"{table}:{key}").hex


def _upsert(session: Session, model, key: str, rows: list[dict], workstation_id: str) -> int:
    existing = {getattr(o, key): o for o in session.scalars(select(model))}
    added = 0
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            row_id = reference_id(model.__tablename__, str(row[key]))
            session.add(model(**row, id=row_id, written_by=workstation_id))
            added += 1
        else:
            for name, value in row.items():
                if getattr(obj, name) != value:
                    setattr(obj, name, value)
                    obj.written_by = workstation_id
    return added


def install_reference_data(session: Session, workstation_id: str) -> dict[str, int]:
    """Install or refresh departments, categories, patrol zones and unit grids.

    Returns how many rows of each were added.
    """
    added = {}
    departments = [
        {k: d[k] for k in ("code", "name", "kind", "phone")}
        for d in load_json("data/departments.json")
    ]
    added["departments"] = _upsert(session, Department, "code", departments, workstation_id)
    session.flush()
    categories = [
        {
            "code": c["code"],
            "kind": CategoryKind(c["kind"]),
            "major": c["major"],
            "name": c["name"],
            "time_limit": float(c["time_limit"]),
            "time_limit_unit": TimeLimitUnit(c["time_limit_unit"]),
            "default_department_code": c["department"],
            "register_condition": c["register_condition"],
            "close_condition": c["close_condition"],
            "duplicate_radius_m": float(c["duplicate_radius_m"]),
            "duplicate_days": int(c["duplicate_days"]),
        }
        for c in load_json("data/categories.json")
    ]
    added["categories"] = _upsert(session, Category, "code", categories, workstation_id)

    maps = load_map_data()
    zones = []
    notes = {f["properties"]["code"]: f["properties"]["note"]
             for f in json.loads(maps.geojson_text("patrol_zones"))["features"]}
    for code, geom in maps.zones.items():
        zones.append({
            "code": ZoneCode(code), "name": ZONE_NAMES[code],
            "community_code": COMMUNITY_CODES[code],
            "area_km2": round(area_m2(geom) / 1e6, 3), "geom": shapely.to_wkb(geom),
            "note": notes[code],
        })
    added["patrol_zones"] = _upsert(session, PatrolZone, "code", zones, workstation_id)
    grids = []
    for grid in maps.grids:
        x0, y0, x1, y1 = grid.geometry.bounds
        grids.append({
            "code": grid.code, "zone_code": ZoneCode(grid.zone), "community_code": grid.code[9:12],
            "seq": int(grid.code[12:]), "area_m2": round(area_m2(grid.geometry), 1),
            "geom": shapely.to_wkb(grid.geometry),
            "min_lon": x0, "min_lat": y0, "max_lon": x1, "max_lat": y1,
        })
    added["unit_grids"] = _upsert(session, UnitGrid, "code", grids, workstation_id)
    return added
