"""Statistics for the dashboard and the work report (Qt-free).

* :func:`dashboard_figures` — every dashboard figure of a period (SQL aggregates).
* :func:`find_hotspots` / :func:`hotspots_geojson` — where cases concentrate.
* :func:`bike_coverage` / :func:`coverage_geojson` — compounds within reach of a bike station.
* :mod:`.charts` — the charts (matplotlib, Chinese fonts), shared by the report and the GUI.
* :mod:`.report` — the Chinese work report as PDF, XLSX or DOCX.

Charts and the report import matplotlib, reportlab and friends; import them from their
modules so that ``xjwc stats`` does not pay for them.
"""

from xjwc_desktop.core.lazy import lazy_attributes

_HOMES = {
    "DEFAULT_RADIUS_M": "coverage", "bike_coverage": "coverage", "coverage_geojson": "coverage",
    "haversine_m": "coverage", "KPI_TILES": "dashboard", "dashboard_figures": "dashboard",
    "latest_period": "dashboard", "find_hotspots": "hotspots", "hotspots_geojson": "hotspots",
    "month_period": "periods", "months_of": "periods", "parse_month_period": "periods",
    "period_label": "periods",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_attributes(__name__, _HOMES)
