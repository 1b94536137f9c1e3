"""Charts: each bar's case filter selects exactly the cases the bar counts; Chinese renders
with real glyphs (matplotlib warns about every glyph its font lacks)."""

from __future__ import annotations

import datetime as dt
import io
import warnings

import numpy as np
import pytest

from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.reporting import dashboard_figures, parse_month_period
from xjwc_desktop.core.reporting.chart_render import chart_png, draw_chart
from xjwc_desktop.core.reporting.charts import BUILDERS, dashboard_charts

PERIOD = parse_month_period("2015-02..2015-04")


@pytest.fixture(scope="module")
def figures(demo_template):
    from xjwc_desktop.core.storage.database import open_database

    db = open_database(demo_template)  # read-only template: the figures never write
    try:
        yield dashboard_figures(db, PERIOD, now=dt.datetime(2015, 11, 2)), db.path
    finally:
        db.close()


def count(path, flt: CaseFilter) -> int:
    import sqlite3

    where, params = flt.where()
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return con.execute(f"SELECT count(*) FROM cases c WHERE {where}", params).fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("key", ["cases_by_month", "top_categories", "by_zone"])
def test_each_bar_filters_to_the_cases_it_counts(figures, key) -> None:
    f, path = figures
    spec = BUILDERS[key](f)
    checked = 0
    for s, series in enumerate(spec.all_series):
        for i, value in enumerate(series.values):
            bar = spec.bar_filter(s, i)
            assert bar is not None
            assert count(path, CaseFilter(**bar)) == value, (series.label, spec.categories[i])
            assert bar["date_from"] >= PERIOD.start
            assert bar["date_to"] <= PERIOD.end
            checked += 1
    assert checked >= 4


def test_grid_and_department_bars_filter_their_cases(figures) -> None:
    f, path = figures
    grids = BUILDERS["by_grid"](f)
    for i, annotation in enumerate(grids.series[0].annotations):
        assert count(path, CaseFilter(**grids.bar_filter(0, i))) == int(annotation)
    departments = BUILDERS["departments"](f)
    codes = [d["key"] for d in f["departments"] if d["key"]]
    filters = [departments.bar_filter(0, i) for i in range(len(departments.categories))]
    assert [flt["departments"] for flt in filters] == [(c,) for c in codes]
    assert all(count(path, CaseFilter(**flt)) > 0 for flt in filters)


def test_register_charts_are_not_case_filters(figures) -> None:
    f, _path = figures
    for key in ("demolished", "census", "inspectors"):
        spec = BUILDERS[key](f)
        assert spec.bar_filter(0, 0) is None
    census = BUILDERS["census"](f)
    assert census.categories == ("住宅", "非住宅")
    assert census.secondary.annotations == ("37777.87", "326642")


def test_charts_render_chinese_without_missing_glyphs(figures) -> None:
    from PIL import Image

    f, _path = figures
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" fails the test
        for spec in dashboard_charts(f):
            png = chart_png(spec)
            image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
            assert image.shape == (540, 960)
            assert (image < 250).mean() > 0.03, spec.key  # bars, axes and text drawn


def test_a_latin_font_would_be_caught(figures, monkeypatch) -> None:
    """The check above can fail: the same chart in a font without Chinese warns."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from xjwc_desktop.core.reporting import chart_render

    f, _path = figures
    monkeypatch.setattr(chart_render, "_style", lambda: {"font.family": ["DejaVu Sans"]})
    fig = Figure()
    FigureCanvasAgg(fig)

    def draw() -> None:
        draw_chart(BUILDERS["by_zone"](f), fig)
        fig.canvas.draw()

    with pytest.warns(UserWarning, match="missing from font"):
        draw()
