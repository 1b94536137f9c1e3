"""Report periods in months, as the street office states them: ``2015-01..2015-10``.

The office reports by whole months ("2015年1月至10月"); the dashboard's period selector and
``xjwc report --period`` both speak months and turn them into the day-based
:class:`~xjwc_desktop.core.stats.Period` every query takes.
"""

from __future__ import annotations

import datetime as dt
import re

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.stats import Period

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def month_end(year: int, month: int) -> dt.date:
    """The last day of the month."""
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def month_period(first: tuple[int, int], last: tuple[int, int]) -> Period:
    """The days from the first of ``first`` to the last day of ``last`` (``(year, month)``)."""
    if first > last:
        raise InputError(f"起始月份 {first[0]}-{first[1]:02d} 晚于"
                         f"结束月份 {last[0]}-{last[1]:02d}。")
    return Period(month_start(*first), month_end(*last))


def _parse_month(text: str) -> tuple[int, int]:
    found = _MONTH.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise InputError(f"月份“{text}”应写成 YYYY-MM，例如 2015-01。")
    return int(found.group(1)), int(found.group(2))


def parse_month_period(text: str) -> Period:
    """``"2015-01..2015-10"`` (or one month, ``"2015-03"``) as a :class:`Period`.

    Raises :class:`InputError` with a Chinese message for anything else.
    """
    first, sep, last = text.partition("..")
    if not sep:
        last = first
    return month_period(_parse_month(first), _parse_month(last))


def months_of(period: Period) -> list[str]:
    """``YYYY-MM`` of every month the period touches, in order (empty if it is open)."""
    if period.start is None or period.end is None:
        return []
    out, y, m = [], period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")


def period_label(period: Period, lang: str = "zh") -> str:
    """The period as the report writes it: ``2015年1月至10月``, ``2015年3月``,
    ``2015年11月至2016年2月``; whole months are named by months, other ranges by days.
    ``lang="en"``: ``Jan–Oct 2015``, ``Mar 2015``, ``Nov 2015–Feb 2016``."""
    if lang == "en":
        return _label_en(period)
    start, end = period.start, period.end
    if start is None and end is None:
        return "全部时间"
    if start is None or end is None:
        return f"{start or '—'} 至 {end or '—'}"
    whole = start.day == 1 and end == month_end(end.year, end.month)
    if not whole:
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    if start.year == end.year:
        return f"{start.year}年{start.month}月至{end.month}月"
    return f"{start.year}年{start.month}月至{end.year}年{end.month}月"


def _label_en(period: Period) -> str:
    start, end = period.start, period.end
    if start is None and end is None:
        return "All time"
    if start is None or end is None:
        return f"{start or '—'} to {end or '—'}"
    if not (start.day == 1 and end == month_end(end.year, end.month)):
        return f"{start:%d} {MONTHS_EN[start.month - 1]} {start.year}–" \
               f"{end:%d} {MONTHS_EN[end.month - 1]} {end.year}"
    first, last = MONTHS_EN[start.month - 1], MONTHS_EN[end.month - 1]
    if (start.year, start.month) == (end.year, end.month):
        return f"{first} {start.year}"
    if start.year == end.year:
        return f"{first}–{last} {start.year}"
    return f"{first} {start.year}–{last} {end.year}"


def period_text(period: Period) -> str:
    """The period in the ``--period`` form (``2015-01..2015-10``) when it is whole months."""
    if period.start is None or period.end is None:
        return period_label(period)
    return f"{period.start:%Y-%m}..{period.end:%Y-%m}"
