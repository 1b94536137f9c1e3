"""A filter that matches nothing still gives a valid, readable file in every format."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pyogrio
import pypdfium2
import pytest

from tests.core.exchange_helpers import NOW
from xjwc_desktop.core.exchange.columns import COLUMNS
from xjwc_desktop.core.exchange.export import ExportFormat, export_cases
from xjwc_desktop.core.exchange.selection import CaseSelection
from xjwc_desktop.core.exchange.snapshot import read_only

NOTHING = CaseSelection(date_from=dt.date(2030, 1, 1))


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_an_empty_selection_writes_an_empty_but_valid_file(demo_db_path, tmp_path, fmt):
    out = tmp_path / f"none.{fmt.value}"
    with read_only(demo_db_path) as conn:
        assert export_cases(conn, fmt, out, NOTHING, now=NOW).cases == 0
    if fmt is ExportFormat.CSV:
        with out.open(encoding="utf-8-sig", newline="") as fh:
            assert list(csv.reader(fh)) == [[c.header for c in COLUMNS]]
    elif fmt is ExportFormat.XLSX:
        ws = openpyxl.load_workbook(out).active
        assert (ws.max_row, ws.auto_filter.ref) == (1, "A1:U1")
    elif fmt in (ExportFormat.GEOJSON, ExportFormat.GPKG, ExportFormat.SHP):
        assert len(pyogrio.read_dataframe(out)) == 0
    elif fmt is ExportFormat.PDF:
        doc = pypdfium2.PdfDocument(str(out))
        text = doc[0].get_textpage().get_text_range()
        doc.close()
        assert "共 0 件" in text
    else:
        page = out.read_text(encoding="utf-8")
        assert "0 件" in page
        assert "leaflet" in page.lower()
