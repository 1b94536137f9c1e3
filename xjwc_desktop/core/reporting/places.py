"""Where a period's cases concentrate and where the bikes reach: tables and map layers at once.

The dashboard shows them as tables and hands them to the map as layers (热点, 自行车覆盖);
both come from this one call, so the map and the tables always show the same hotspots.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from xjwc_desktop.core.reporting.coverage import (
    DEFAULT_RADIUS_M,
    bike_coverage,
    coverage_geojson,
)
from xjwc_desktop.core.reporting.hotspots import find_hotspots, hotspots_geojson
from xjwc_desktop.core.stats import Period


def period_places(conn: Connection, period: Period, categories: tuple[str, ...] = (), *,
                  radius_m: float = DEFAULT_RADIUS_M, cached: bool = True) -> dict[str, Any]:
    """The hotspots of ``period`` (of ``categories`` if given, category codes) and the bike
    stations' coverage, each with its GeoJSON layer: ``{"hotspots", "coverage",
    "hotspots_layer", "coverage_layer"}``. ``cached=False``: hotspots counted from the
    cases (see :func:`find_hotspots`)."""
    found = find_hotspots(conn, period, categories, cached=cached)
    coverage = bike_coverage(conn, radius_m)
    return {"hotspots": found, "coverage": coverage,
            "hotspots_layer": hotspots_geojson(found),
            "coverage_layer": coverage_geojson(coverage)}
