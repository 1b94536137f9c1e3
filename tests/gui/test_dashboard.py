"""The dashboard widget: KPI tiles with the core's figures, Chinese that renders, charts that
export, bars that emit the filter of their cases, a period change, the report from the GUI."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pytest
from PySide6.QtCore import Qt

from xjwc_desktop.core.metrics import compute_metrics, percent
from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.reporting import parse_month_period

SEED = parse_month_period("2015-01..2015-10")
NOW = dt.datetime(2015, 11, 2, 10, 0)


@pytest.fixture
def dashboard(qtbot, demo_db):
    from xjwc_desktop.core.queries.case_columns import load_reference
    from xjwc_desktop.core.reporting import latest_period
    from xjwc_desktop.gui.dashboard.qt_dashboard import QtDashboard
    from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

    tasks = QtTaskManager(demo_db)
    with demo_db.reading() as conn:
        reference = load_reference(conn)
    widget = QtDashboard(tasks, reference, latest_period(demo_db), now=lambda: NOW)
    qtbot.addWidget(widget)
    # The first refresh started in the constructor; its result arrives through the event
    # loop, so waiting from here cannot miss it.
    with qtbot.waitSignal(widget.refreshed, timeout=60_000):
        pass
    widget.resize(1400, 1000)
    widget.show()
    qtbot.waitExposed(widget)
    # Every chart rendered (on a reader) at the size it is shown.
    qtbot.waitUntil(lambda: tasks.idle and all(
        c.canvas.image is not None and c.canvas.image.width == c.canvas.width()
        for c in widget.charts.values()), timeout=60_000)
    yield widget
    tasks.shutdown()


def count_cases(path, flt: CaseFilter) -> int:
    where, params = flt.where()
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM cases c WHERE {where}", params).fetchone()[0]
    finally:
        con.close()


def test_tiles_show_the_figures_of_the_period(dashboard, demo_db) -> None:
    assert dashboard.period() == SEED  # January to the latest month with cases
    with demo_db.read() as s:
        total = compute_metrics(s, SEED)[0]
    tiles = {k: t.value.text() for k, t in dashboard.tiles.items()}
    assert tiles["closure_rate"] == percent(total.closure_rate)
    assert tiles["closure_on_time_rate"] == percent(total.closure_on_time_rate)
    assert tiles["rework_rate"] == percent(total.rework_rate)
    con = sqlite3.connect(demo_db.path)
    (open_,), = con.execute("SELECT count(*) FROM cases WHERE deleted_at IS NULL AND status "
                            "NOT IN ('closed', 'voided') AND reported_at < '2015-11-01'")
    con.close()
    assert tiles["open"] == str(open_)
    assert int(tiles["overdue"]) == dashboard.figures["kpis"]["overdue"] > 0
    assert [t.caption.text() for t in dashboard.tiles.values()] == [
        "未结案件", "超期案件", "结案数", "结案率", "按期结案率", "返工率"]
    assert tiles["closed"] == str(total.closed)
    assert "15789" in dashboard.status.text()


def test_the_dashboard_renders_chinese(dashboard, tmp_path) -> None:
    image = dashboard.grab().toImage()
    path = tmp_path / "dashboard.png"
    assert image.save(str(path))
    pixels = np.array([[image.pixelColor(x, y).lightness() for x in range(0, image.width(), 4)]
                       for y in range(0, image.height(), 4)])
    background = np.bincount(pixels.ravel()).argmax()
    assert (pixels != background).mean() > 0.15  # tiles, bars, axes and text, not a blank
    # A chart title, drawn by matplotlib in the CJK font, ink in its top band.
    canvas = dashboard.charts["cases_by_month"].canvas.grab().toImage()
    band = np.array([[canvas.pixelColor(x, y).lightness() for x in range(canvas.width())]
                     for y in range(4, 30)])
    assert (band < 128).sum() > 100
    assert dashboard.charts["cases_by_month"].spec.title == "各月案件（按来源）"


def test_every_chart_exports_a_png(dashboard, tmp_path, monkeypatch) -> None:
    from PIL import Image

    for key, chart in dashboard.charts.items():
        path = chart.export_png(tmp_path / f"{key}.png")
        with Image.open(path) as png:
            assert png.size == (960, 540)
            assert len(np.unique(np.asarray(png.convert("L")))) > 10
    # The button asks where to save and writes there.
    target = tmp_path / "按钮导出.png"
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(target), "PNG (*.png)"))
    dashboard.charts["census"].export_button.click()
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("key", "series", "index", "expected"), [
    ("cases_by_month", 3, 2, {"sources": ("daliandong",), "date_from": dt.date(2015, 3, 1),
                              "date_to": dt.date(2015, 3, 31)}),
    ("by_zone", 1, 0, None),
    ("top_categories", 0, 0, None),
])
def test_clicking_a_bar_emits_its_filter(qtbot, dashboard, demo_db, key, series, index,
                                         expected) -> None:
    chart = dashboard.charts[key]
    value = chart.spec.all_series[series].values[index]
    with qtbot.waitSignal(dashboard.filter_requested) as got:
        qtbot.mouseClick(chart.canvas, Qt.MouseButton.LeftButton,
                         pos=chart.bar_position(series, index))
    flt = got.args[0]
    if expected is not None:
        assert flt == expected
    assert flt == chart.spec.bar_filter(series, index)
    assert count_cases(demo_db.path, CaseFilter(**flt)) == value > 0


def test_clicking_beside_the_bars_emits_nothing(qtbot, dashboard) -> None:
    chart = dashboard.charts["cases_by_month"]
    pos = chart.bar_position(0, 0)
    pos.setY(8)  # above the plot, in the title's band
    emitted = []
    dashboard.filter_requested.connect(emitted.append)
    qtbot.mouseClick(chart.canvas, Qt.MouseButton.LeftButton, pos=pos)
    # Then a click on the bar itself: once its filter is out, the first click's would be too.
    qtbot.mouseClick(chart.canvas, Qt.MouseButton.LeftButton, pos=chart.bar_position(0, 0))
    qtbot.waitUntil(lambda: len(emitted) > 0)
    assert emitted == [chart.spec.bar_filter(0, 0)]


def test_a_period_change_refreshes_everything(qtbot, dashboard) -> None:
    spring = parse_month_period("2015-03..2015-05")
    periods = []
    dashboard.period_changed.connect(periods.append)
    with qtbot.waitSignal(dashboard.refreshed, timeout=60_000) as got:
        dashboard.set_period(spring)
    figures = got.args[0]
    assert periods == [spring]
    assert [m["month"] for m in figures["cases_by_month"]] == ["2015-03", "2015-04", "2015-05"]
    assert dashboard.charts["cases_by_month"].spec.categories == ("2015-03", "2015-04",
                                                                  "2015-05")
    assert dashboard.selector.first.date().month() == 3
    assert "2015年3月至5月" in dashboard.status.text()
    # A preset from the selector.
    with qtbot.waitSignal(dashboard.refreshed, timeout=60_000):
        dashboard.selector.preset.setCurrentIndex(2)  # 最近一个月
        dashboard.selector.preset.activated.emit(2)
    assert dashboard.period() == parse_month_period("2015-10")


def test_the_work_report_from_the_gui(qtbot, dashboard, tmp_path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "工作报告.pdf"
    with qtbot.waitSignal(dashboard.report_written, timeout=120_000) as got:
        dashboard.export_report(out)
    assert got.args == [str(out)]
    text = "".join(p.extract_text() for p in PdfReader(out).pages).replace("\n", "")
    assert "12345工单125起" in text
    assert dashboard.report_button.isEnabled()


def test_hotspot_and_coverage_tables_and_layers(qtbot, dashboard, demo_db) -> None:
    hotspots, coverage = [], []
    dashboard.hotspots_ready.connect(hotspots.append)
    dashboard.coverage_ready.connect(coverage.append)
    with qtbot.waitSignal(dashboard.coverage_ready, timeout=60_000):
        dashboard.refresh()
    table = dashboard.tables.hotspots
    assert table.rowCount() >= 3
    assert [table.item(r, 1).text() for r in range(2)] == ["国伟路", "国权北路"]
    layer = hotspots[-1]
    assert layer["type"] == "FeatureCollection"
    assert layer["features"][0]["properties"]["name"] == "国伟路"
    reach = [f for f in coverage[-1]["features"] if f["properties"]["layer"] == "reach"]
    assert len(reach) == 10
    assert dashboard.tables.coverage.rowCount() == 12
    assert "500" in dashboard.tables.coverage_note.text()
    # Double-clicking a hotspot filters map and list to its unit grid in the period.
    code = table.item(0, 2).text()
    with qtbot.waitSignal(dashboard.filter_requested) as got:
        table.cellDoubleClicked.emit(0, 1)
    assert got.args[0] == {"grid": code, "date_from": SEED.start, "date_to": SEED.end}
    assert count_cases(demo_db.path, CaseFilter(**got.args[0])) > 0
