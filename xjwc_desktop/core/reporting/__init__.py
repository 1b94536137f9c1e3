"""Statistics for the dashboard and the work report (Qt-free).

* :func:`dashboard_figures` — every dashboard figure of a period (SQL aggregates).
* :func:`find_hotspots` / :func:`hotspots_geojson` — where cases concentrate.
* :func:`bike_coverage` / :func:`coverage_geojson` — compounds within reach of a bike station.
* :mod:`.charts` — the charts (matplotlib, Chinese fonts), shared by the report and the GUI.
* :mod:`.report` — the Chinese work report as PDF, XLSX or DOCX.

Charts and the report import matplotlib, reportlab and friends; import them from their
modules so that ``xjwc stats`` does not pay for them.
"""

from xjwc_desktop.core.reporting.coverage import (
    DEFAULT_RADIUS_M,
    bike_coverage,
    coverage_geojson,
    haversine_m,
)
from xjwc_desktop.core.reporting.dashboard import KPI_TILES, dashboard_figures, latest_period
from xjwc_desktop.core.reporting.hotspots import find_hotspots, hotspots_geojson
from xjwc_desktop.core.reporting.periods import (
    month_period,
    months_of,
    parse_month_period,
    period_label,
)

__all__ = [
    "DEFAULT_RADIUS_M",
    "KPI_TILES",
    "bike_coverage",
    "coverage_geojson",
    "dashboard_figures",
    "find_hotspots",
    "haversine_m",
    "hotspots_geojson",
    "latest_period",
    "month_period",
    "months_of",
    "parse_month_period",
    "period_label",
]
