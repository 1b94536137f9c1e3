"""Month periods and the report's way of writing numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.reporting import numbers
from xjwc_desktop.core.reporting.periods import (
    months_of,
    parse_month_period,
    period_label,
    period_text,
)
from xjwc_desktop.core.stats import Period


@pytest.mark.parametrize(("text", "start", "end", "label"), [
    ("2015-01..2015-10", dt.date(2015, 1, 1), dt.date(2015, 10, 31), "2015年1月至10月"),
    ("2016-02", dt.date(2016, 2, 1), dt.date(2016, 2, 29), "2016年2月"),
    ("2015-11..2016-02", dt.date(2015, 11, 1), dt.date(2016, 2, 29), "2015年11月至2016年2月"),
    (" 2015-12 .. 2015-12 ", dt.date(2015, 12, 1), dt.date(2015, 12, 31), "2015年12月"),
])
def test_month_periods(text, start, end, label) -> None:
    period = parse_month_period(text)
    assert (period.start, period.end) == (start, end)
    assert period_label(period) == label
    assert parse_month_period(period_text(period)) == period


@pytest.mark.parametrize("text", ["2015-13", "2015-10..2015-01", "2015/01", "", "2015-01..x"])
def test_bad_periods_are_refused_in_chinese(text) -> None:
    with pytest.raises(InputError, match="月份"):
        parse_month_period(text)


def test_months_of_a_period() -> None:
    assert months_of(parse_month_period("2015-11..2016-02")) == [
        "2015-11", "2015-12", "2016-01", "2016-02"]
    assert months_of(Period()) == []
    assert period_label(Period()) == "全部时间"
    assert period_label(Period(dt.date(2015, 1, 5), dt.date(2015, 2, 3))) == \
        "2015年1月5日至2015年2月3日"


def test_numbers_as_the_report_writes_them() -> None:
    assert numbers.count(1910) == "1910"
    assert numbers.area(6054.14) == "6054.14"
    assert numbers.area(326642.0) == "326642"
    assert numbers.area(37777.870000001) == "37777.87"
    assert numbers.area(12.5) == "12.5"
    assert numbers.area(0.001) == "0"
    assert numbers.percent(911 / 972) == "93.72%"
    assert numbers.per_day(7.4866) == "7.49"
    assert numbers.count(None) == numbers.area(None) == numbers.percent(None) == "—"
