"""Demo illegal structures, census records, compounds and bike stations (seed-true sums)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.demo import seed_figures as seed
from xjwc_desktop.core.demo.bulk import insert_columns, sqlite_dates
from xjwc_desktop.core.demo.cases import place_names
from xjwc_desktop.core.demo.positions import sample_positions
from xjwc_desktop.core.geo.mapdata import MapData
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.model import StructureStatus


def exact_partition(rng: np.random.Generator, n: int, total: float) -> np.ndarray:
    """``n`` positive amounts with two decimals that add up to ``total`` to the cent."""
    cents_total = int(round(total * 100))
    weights = rng.lognormal(0.0, 0.6, n)
    raw = weights / weights.sum() * (cents_total - n) + 1  # at least one cent each
    cents = np.floor(raw).astype(np.int64)
    short = cents_total - int(cents.sum())
    cents[np.argsort(raw - cents)[::-1][:short]] += 1
    return cents / 100.0


def _dates(rng: np.random.Generator, first: dt.date, last: dt.date, n: int) -> np.ndarray:
    span = (last - first).days + 1
    return np.datetime64(first, "D") + rng.integers(0, span, n).astype("timedelta64[D]")


# The three ways the report says structures came down.
HANDLED_BY = ["城管、房办专项整治拆除", "业主自治自拆", "物业、居委会、街道联合巡查劝拆"]

# Ids of demo rows are minted at a fixed instant (2015-11-01) so the demo is reproducible.
DEMO_ID_MS = 1_446_307_200_000


def _bookkeeping(n: int, ids, workstation_id: str, when: list[str | None]) -> dict:
    return {"id": [uuid7(DEMO_ID_MS + k, ids) for k in range(n)], "created_at": when,
            "updated_at": when, "written_by": [workstation_id] * n}


def _addresses(maps: MapData, compounds: list[dict], lon: np.ndarray,
               lat: np.ndarray) -> list[str]:
    """Each register row's 地址, worded as the demo cases' are (小区, else 某路沿线)."""
    xy = np.array([(c["lon"], c["lat"]) for c in compounds])
    names = [c["name"] for c in compounds]
    return place_names(maps, names, xy, lon, lat, maps.grid_code_of(lon, lat)).tolist()


def insert_illegal_structures(conn: Connection, rng, ids, maps: MapData, workstation_id: str,
                              villa_xy: list[tuple[float, float]],
                              compounds: list[dict]) -> int:
    """103 structures demolished in 2013-2015 (6054.14 m²) and a few still standing."""
    n_done, n_open = seed.DEMOLISHED_COUNT, 17
    n = n_done + n_open
    lon, lat = sample_positions(rng, maps, None, n, anchors=villa_xy, hotspot_share=0.7)
    first, last = seed.DEMOLISHED_PERIOD
    found = _dates(rng, first, dt.date(2015, 10, 31), n)
    demolished = found + rng.integers(5, 60, n).astype("timedelta64[D]")
    demolished = np.minimum(demolished, np.datetime64(last, "D"))
    area = np.r_[exact_partition(rng, n_done, seed.DEMOLISHED_AREA_M2),
                 np.round(rng.lognormal(3.6, 0.6, n_open), 2)]
    status = [StructureStatus.DEMOLISHED.value] * n_done + [
        StructureStatus.RECTIFYING.value if k % 2 else StructureStatus.STANDING.value
        for k in range(n_open)]
    found_text = sqlite_dates(found)
    columns = {
        **_bookkeeping(n, ids, workstation_id, [f"{d} 00:00:00.000000" for d in found_text]),
        "code": [f"WJ{d[:4]}{k + 1:04d}" for k, d in enumerate(found_text)],
        "lon": lon, "lat": lat, "zone_code": maps.zone_of(lon, lat),
        "grid_code": maps.grid_code_of(lon, lat), "area_m2": area,
        "address": _addresses(maps, compounds, lon, lat),
        "residential": (rng.random(n) < 0.9).astype(int), "status": status,
        "found_on": found_text,
        "demolished_on": sqlite_dates(demolished)[:n_done] + [None] * n_open,
        "handled_by": rng.choice(HANDLED_BY, n),
    }
    return insert_columns(conn, "illegal_structures", columns)


def insert_census(conn: Connection, rng, ids, maps: MapData, workstation_id: str,
                  anchors: list[tuple[float, float]], compounds: list[dict]) -> int:
    """The unlicensed-building census: 1540 residential and 46 non-residential items."""
    (n_res, a_res), (n_non, a_non) = seed.CENSUS_RESIDENTIAL, seed.CENSUS_NON_RESIDENTIAL
    n = n_res + n_non
    lon_r, lat_r = sample_positions(rng, maps, None, n_res, anchors=anchors, hotspot_share=0.8)
    lon_n, lat_n = sample_positions(rng, maps, None, n_non, hotspot_share=0.0)
    lon, lat = np.r_[lon_r, lon_n], np.r_[lat_r, lat_n]
    surveyed = sqlite_dates(_dates(rng, dt.date(2015, 9, 1), dt.date(2015, 12, 31), n))
    uses = np.r_[rng.choice(["自住加建", "出租", "储藏"], n_res),
                 rng.choice(["仓储", "厂房", "商业", "办公"], n_non)]
    columns = {
        **_bookkeeping(n, ids, workstation_id, [f"{d} 00:00:00.000000" for d in surveyed]),
        "code": [f"PC2015{k + 1:05d}" for k in range(n)],
        "lon": lon, "lat": lat, "zone_code": maps.zone_of(lon, lat),
        "grid_code": maps.grid_code_of(lon, lat),
        "address": _addresses(maps, compounds, lon, lat),
        "area_m2": np.r_[exact_partition(rng, n_res, a_res), exact_partition(rng, n_non, a_non)],
        "residential": [1] * n_res + [0] * n_non, "use": uses, "surveyed_on": surveyed,
    }
    return insert_columns(conn, "census_records", columns)


def insert_bike_stations(conn: Connection, rng, ids, maps: MapData, workstation_id: str,
                         stations: list[dict], when: str) -> int:
    """The 10 community public-bike stations with 300 bikes between them."""
    capacity = np.array([s["capacity"] for s in stations])
    share = capacity * rng.uniform(0.7, 1.0, capacity.size)
    bikes = np.floor(share / share.sum() * seed.BIKES).astype(int)
    while bikes.sum() < seed.BIKES:  # hand out the rounding remainder where docks are free
        bikes[np.argmax(capacity - bikes)] += 1
    lon = np.array([s["lon"] for s in stations])
    lat = np.array([s["lat"] for s in stations])
    n = len(stations)
    columns = {
        **_bookkeeping(n, ids, workstation_id, [when] * n),
        "code": [s["code"] for s in stations], "name": [s["name"] for s in stations],
        "lon": lon, "lat": lat, "position_approximate": [1] * n,
        "zone_code": maps.zone_of(lon, lat), "capacity": capacity, "bikes": bikes,
        "operator": ["第三方运营公司"] * n,
    }
    return insert_columns(conn, "bike_stations", columns)


def insert_compounds(conn: Connection, ids, maps: MapData, workstation_id: str,
                     compounds: list[dict], when: str) -> int:
    lon = np.array([c["lon"] for c in compounds])
    lat = np.array([c["lat"] for c in compounds])
    n = len(compounds)
    columns = {
        **_bookkeeping(n, ids, workstation_id, [when] * n),
        **{k: [c[k] for c in compounds] for k in ("name", "aliases", "kind", "households",
                                                  "note")},
        "lon": lon, "lat": lat,
        # Only the four 政立路 addresses were geocoded; the rest are illustrative.
        "position_approximate": [1] * n,
        "zone_code": maps.zone_of(lon, lat), "grid_code": maps.grid_code_of(lon, lat),
    }
    return insert_columns(conn, "compounds", columns)
