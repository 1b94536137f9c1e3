"""The fast row converter gives exactly the wire form of the value-by-value one."""

from __future__ import annotations

import datetime as dt
import itertools

from xjwc_desktop.core.sync.codec import row_to_wire, wire_converter
from xjwc_desktop.core.sync.schema import BLOB, BOOL, DATE, DATETIME, INT, REAL, TEXT

KINDS = (TEXT, DATETIME, REAL, BOOL, BLOB, DATE, INT, DATETIME, REAL)
VALUES = {
    TEXT: ["案件", "", None, "a\x00b"],
    DATETIME: ["2026-12-01 09:00:00.000000", "2026-12-01 09:00:00", "2026-12-01T09:00:00.5",
               dt.datetime(2026, 12, 1, 9, 0, 0, 123), None],
    REAL: [121.4891561234, 121, 0, -0.0, True, "31.5", None],
    BOOL: [0, 1, True, False, None],
    BLOB: [b"\x00\x01\xff", memoryview(b"ab"), b"", None],
    DATE: ["2026-12-01", dt.date(2026, 12, 1), None],
    INT: [0, 7, None],
}


def raw_rows():
    """Every value of each kind at least once, in rows of all the kinds."""
    longest = max(len(v) for v in VALUES.values())
    for n in range(longest):
        yield tuple(VALUES[k][(n + i) % len(VALUES[k])] for i, k in enumerate(KINDS))
    yield from itertools.islice(itertools.product(*(VALUES[k] for k in KINDS)), 0, 5000, 7)


def test_the_fast_converter_gives_what_each_value_converted_alone_gives():
    convert = wire_converter(KINDS)
    for raw in raw_rows():
        fast, slow = convert(raw), row_to_wire(KINDS, raw)
        assert fast == slow, raw
        assert [type(v) for v in fast] == [type(v) for v in slow], raw
