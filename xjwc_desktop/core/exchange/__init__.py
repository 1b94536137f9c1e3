"""Case lists out, work orders in: exports and imports, Qt-free.

Exports (:func:`export_cases`; the case sheet :func:`.pdf_case.write_case_sheet`) write
CSV, XLSX, GeoJSON, GeoPackage, Shapefile, PDF and an offline HTML map of a filter or a
selection. Imports (:func:`import_file`, or :func:`.plan.plan_import` then
:func:`.write.apply_plan` for a preview) take 12345 and district grid work orders,
illegal structures, the census and bike stations from CSV (UTF-8/GBK) or XLSX, check
every row and write all or nothing. Both report progress through :mod:`.progress`.
"""

from xjwc_desktop.core.lazy import lazy_attributes

_HOMES = {
    "CaseSelection": "selection", "Cancelled": "progress", "ExportFormat": "export",
    "ExportResult": "export", "ImportReport": "importer", "Progress": "progress",
    "export_cases": "export", "import_file": "importer",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_attributes(__name__, _HOMES)
