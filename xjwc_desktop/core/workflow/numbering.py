"""案卷号: case numbers that stay unique when several workstations take in cases offline.

A workstation enrolled at the office server numbers its cases in its own block,
``XJW`` + date + its two-digit device number + a four-digit sequence of the day
(``XJW2026113003 0007`` without the space), so two workstations can never hand out the
same number, online or not. A database that has never synced (device 0) keeps the
original form, ``XJW`` + date + a five-digit sequence; the two forms differ in length,
so neither can take the other's numbers.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

LEGACY_DIGITS = 5
DEVICE_DIGITS = 4


def _prefix(day: dt.date, device_no: int) -> tuple[str, int]:
    base = f"XJW{day:%Y%m%d}"
    if device_no <= 0:
        return base, LEGACY_DIGITS
    return f"{base}{device_no:02d}", DEVICE_DIGITS


def last_sequence(conn: Connection, day: dt.date, device_no: int) -> int:
    """The highest sequence number used on ``day`` in this device's block (0 if none)."""
    prefix, digits = _prefix(day, device_no)
    last = conn.execute(text(
        "SELECT max(case_no) FROM cases WHERE case_no >= :lo AND case_no < :hi "
        "AND length(case_no) = :n"),
        {"lo": prefix, "hi": prefix + "a", "n": len(prefix) + digits}).scalar()
    return int(last[len(prefix):]) if last else 0


def case_number(day: dt.date, device_no: int, seq: int) -> str:
    prefix, digits = _prefix(day, device_no)
    if seq >= 10 ** digits:
        raise ValueError(f"{day:%Y-%m-%d} 的案卷号已用完（本工作站当日最多 {10 ** digits - 1} 件）")
    return f"{prefix}{seq:0{digits}d}"


def next_case_number(conn: Connection, day: dt.date, device_no: int = 0) -> str:
    return case_number(day, device_no, last_sequence(conn, day, device_no) + 1)
