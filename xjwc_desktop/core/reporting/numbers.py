"""Numbers written the way the street office's report writes them.

The 2016 report prints counts bare ("1910件", no thousands separator), areas with at most
two decimals and no trailing zeros ("6054.14㎡", "326642㎡") and rates with two decimals
("93.72%"). Tests read the produced files back and look for exactly these strings.
"""

from __future__ import annotations

from xjwc_desktop.core.metrics import percent

__all__ = ["area", "count", "percent", "per_day"]


def count(n: int | float | None) -> str:
    """``1910`` → ``"1910"``; None → ``"—"``."""
    return "—" if n is None else str(int(round(n)))


def area(m2: float | None) -> str:
    """``6054.14`` → ``"6054.14"``, ``326642.0`` → ``"326642"``, ``12.5`` → ``"12.5"``."""
    if m2 is None:
        return "—"
    text = f"{round(float(m2), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def per_day(x: float | None) -> str:
    """A daily average with two decimals (``7.49``)."""
    return "—" if x is None else f"{x:.2f}"
