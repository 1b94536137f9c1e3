"""Dashboard charts drawn in the chart process are the charts drawn here, pixel for pixel."""

from __future__ import annotations

import datetime as dt
import os

from xjwc_desktop.core.reporting import chart_process, dashboard_figures, parse_month_period
from xjwc_desktop.core.reporting.chart_render import chart_image
from xjwc_desktop.core.reporting.charts import dashboard_charts


def test_a_chart_from_the_chart_process_is_the_chart_drawn_here(demo_db) -> None:
    figures = dashboard_figures(demo_db, parse_month_period("2015-02..2015-04"),
                                now=dt.datetime(2015, 11, 2))
    spec = dashboard_charts(figures)[0]
    there = chart_process.render_chart(spec, 420, 260)
    assert chart_process._pool is not None  # drawn in the process, not here
    pid = chart_process._pool.submit(os.getpid).result()
    assert pid != os.getpid()
    here = chart_image(spec, 420, 260)
    assert (there.width, there.height, there.bars) == (here.width, here.height, here.bars)
    assert there.rgba == here.rgba
