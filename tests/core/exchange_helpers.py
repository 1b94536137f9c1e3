"""Shared helpers for the export and import tests: hostile cases, fixed times, file hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from xjwc_desktop.core.workflow import create_case

#: The moment exports compute overdue flags for: after every demo case (Jan-Oct 2015).
NOW = dt.datetime(2015, 11, 2, 10, 0)
WS = "test-workstation"
HYPERLINK = '=HYPERLINK("http://x","点击")'
XSS = "<img src=x onerror=alert(1)>"
# Inside the street, south of 殷行路 (新江湾城公园).
LON, LAT = 121.5046, 31.3268


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def add_hostile_cases(db) -> dict[str, str]:
    """Cases whose texts try formula injection and script injection; case numbers by name."""
    texts = {
        "formula": (HYPERLINK, "+1+1", "@SUM(A1)"),
        "script": (XSS, "-2", "\t制表符开头"),
        "quotes": ('他说"你好", 然后走了\n第二行', "=1+1", "含_x0041_转义"),
    }
    made = {}
    with db.write() as s:
        for i, (name, (description, address, reporter)) in enumerate(texts.items()):
            case = create_case(s, source="12345热线", category="暴露垃圾", lon=LON + i * 0.001,
                               lat=LAT, description=description, address=address,
                               reporter_name=reporter, external_no=f"=EXT{i}",
                               workstation_id=WS, at=dt.datetime(2015, 10, 30, 9 + i))
            made[name] = case.case_no
    return made


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    import csv

    with Path(path).open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return Path(path)


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return Path(path)


def table_counts(db_path: Path) -> dict[str, int]:
    from xjwc_desktop.core.exchange.snapshot import read_only

    with read_only(db_path) as conn:
        return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
                for t in ("cases", "case_events", "illegal_structures", "census_records",
                          "bike_stations")}
