"""The dashboard's places on the map: the 热点 and 自行车覆盖 layers show what the dashboard's
tables list, follow its period and category, and switch off and fade like every layer."""

from __future__ import annotations

import pytest

from tests.gui.conftest import run_js, run_script
from tests.gui.page_waits import wait_painted
from tests.gui.pixels import sampled
from xjwc_desktop.core.reporting import find_hotspots, parse_month_period

SPRING = parse_month_period("2015-03..2015-05")


def drawn(qtbot, window, key: str) -> dict[str, list[dict]]:
    """What the page draws for a place layer, by role (peak, cluster, label, gap ...)."""
    out: dict[str, list[dict]] = {}
    for item in run_js(qtbot, window, "places", key):
        out.setdefault(item["role"], []).append(item)
    return out


def labels(qtbot, window, cls: str) -> list[str]:
    return run_script(qtbot, window, f"Array.from(document.querySelectorAll('.{cls}'))"
                                     ".map(e => e.textContent)")


def plum(window) -> int:
    """Pixels in the hotspots' pinks and plums (red and blue over green, red over blue)."""
    px = sampled(window)
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    return int(((r - g > 50) & (b - g > 20) & (r > b)).sum())


def hotspots_on(qtbot, window) -> None:
    """The hotspot layer is off until asked for: ask."""
    window.workspace.layers.checks["hotspots"].setChecked(True)
    qtbot.waitUntil(lambda: run_js(qtbot, window, "layerState")["hotspots"])


@pytest.fixture
def window_with_dashboard(qtbot, make_window):
    window = make_window()
    hotspots_on(qtbot, window)
    places = window.workspace.places
    # Before anyone opens the dashboard, the layers show its opening period.
    qtbot.waitUntil(lambda: places.drawn.get("hotspots", 0) > 0
                    and places.drawn.get("bike_coverage", 0) > 0)
    return window, places


def open_dashboard(qtbot, window):
    """Look at the dashboard once (it is built then), and back to the map."""
    ws = window.workspace
    window.show_view(1)
    qtbot.waitUntil(lambda: ws.dashboard.dashboard is not None)
    dashboard = ws.dashboard.dashboard
    qtbot.waitUntil(lambda: dashboard.tables.coverage.rowCount() > 0 and ws.tasks.idle
                    and ws.places.settled())
    window.show_view(0)
    return dashboard


def table_column(table, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_the_layers_show_what_the_tables_list(qtbot, window_with_dashboard, demo_db):
    window, _places = window_with_dashboard
    assert "热点" in window.workspace.layers.labels()
    assert "自行车覆盖" in window.workspace.layers.labels()
    opening = drawn(qtbot, window, "hotspots")
    # Every demo compound has a station within 500 m: with half the stations closed, some
    # have none.
    with demo_db.write() as session:
        conn = session.connection()
        conn.exec_driver_sql("UPDATE bike_stations SET deleted_at = '2015-11-01 00:00:00' "
                             "WHERE code > (SELECT min(code) FROM bike_stations) "
                             "AND rowid % 2 = 0")
        stations = conn.exec_driver_sql("SELECT count(*) FROM bike_stations "
                                        "WHERE deleted_at IS NULL").scalar()
    dashboard = open_dashboard(qtbot, window)
    # The dashboard opens on the same period the map was given before it was built.
    names = table_column(dashboard.tables.hotspots, 1)
    assert [p["name"] for p in opening["peak"]] == names
    qtbot.waitUntil(lambda: [p["name"] for p in drawn(qtbot, window, "hotspots")["peak"]]
                    == names)
    hot = drawn(qtbot, window, "hotspots")
    assert names[:2] == ["国伟路", "国权北路"]
    assert len(hot["cluster"]) == len(names) >= 3
    ranks = table_column(dashboard.tables.hotspots, 0)
    assert labels(qtbot, window, "xjwc-hotspot-label") == [f"{r} {n}" for r, n in
                                                           zip(ranks, names, strict=True)]
    # Where labels would overlap at this zoom, the denser spot keeps its label.
    boxes = run_script(qtbot, window, "Array.from(document.querySelectorAll("
                       "'.xjwc-hotspot-label')).map(e => [e.style.visibility !== 'hidden', "
                       "...Object.values(e.getBoundingClientRect().toJSON()).slice(0, 4)])")
    shown = [b[1:] for b in boxes if b[0]]
    assert boxes[0][0]  # the densest spot keeps its label
    assert len(shown) >= 3
    assert not any(a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3]
                   and b[1] < a[1] + a[3] for i, a in enumerate(shown) for b in shown[i + 1:])
    # Denser (by peak density) is darker and bigger circles hold more cases.
    first, last = hot["peak"][0], hot["peak"][-1]
    assert first["fillColor"] == "rgb(142,1,82)" != last["fillColor"]
    cases = [int(c) for c in table_column(dashboard.tables.hotspots, 3)]
    assert [p["radius"] for p in hot["peak"]] == pytest.approx(
        [6 + 14 * (n / max(cases)) ** 0.5 for n in cases])

    window.workspace.layers.checks["bike_coverage"].setChecked(True)
    cover = drawn(qtbot, window, "bike_coverage")
    covered = table_column(dashboard.tables.coverage, 3)
    assert len(cover["reach"]) == stations < 10
    assert len(cover["covered"]) == covered.count("是")
    assert len(cover["gap"]) == covered.count("否") > 0
    gap_names = [n for n, c in zip(table_column(dashboard.tables.coverage, 0), covered,
                                   strict=True) if c == "否"]
    assert sorted(g["name"] for g in cover["gap"]) == sorted(gap_names)
    assert labels(qtbot, window, "xjwc-gap-label") == ["未覆盖"] * len(gap_names)
    legend = run_js(qtbot, window, "legendText")
    assert "热点 · 密度" in legend
    assert "自行车覆盖 · 500 米（直线距离）" in legend
    assert "未覆盖小区" in legend


def test_they_follow_the_period_and_the_category(qtbot, window_with_dashboard, demo_db):
    window, _places = window_with_dashboard
    dashboard = open_dashboard(qtbot, window)
    before = [p["name"] for p in drawn(qtbot, window, "hotspots")["peak"]]
    with qtbot.waitSignal(dashboard.coverage_ready, timeout=60_000):
        dashboard.set_period(SPRING)
    spring = table_column(dashboard.tables.hotspots, 3)
    qtbot.waitUntil(lambda: [str(p["name"]) for p in drawn(qtbot, window, "hotspots")["peak"]]
                    == table_column(dashboard.tables.hotspots, 1))
    assert spring != []
    # One category: the hotspots of that category alone, on the map as in the table.
    box = dashboard.tables.category
    index = next(i for i in range(box.count()) if box.itemText(i).strip() == "无证设摊")
    with qtbot.waitSignal(dashboard.hotspots_ready, timeout=60_000) as got:
        box.setCurrentIndex(index)
    names = table_column(dashboard.tables.hotspots, 1)
    assert [f["properties"]["name"] for f in got.args[0]["features"]
            if f["properties"]["layer"] == "peak"] == names
    qtbot.waitUntil(lambda: [p["name"] for p in drawn(qtbot, window, "hotspots").get(
        "peak", [])] == names)
    with demo_db.reading() as conn:
        code = conn.exec_driver_sql("SELECT code FROM categories WHERE name = '无证设摊'").scalar()
        expected = find_hotspots(conn, SPRING, (code,))["clusters"]
    assert names == [c["name"] for c in expected]
    assert {"国伟路", "国权北路"} <= set(names)
    assert names != before
    kinds = table_column(dashboard.tables.hotspots, 5)
    assert all(k.startswith("无证设摊 ") and "、" not in k for k in kinds)
    fewer = [int(n) for n in table_column(dashboard.tables.hotspots, 3)]
    assert sum(fewer) < sum(int(n) for n in spring)


def test_switching_off_and_fading(qtbot, window_with_dashboard):
    window, _hooks = window_with_dashboard
    for key, check in window.workspace.layers.checks.items():
        if key != "hotspots" and check.isEnabled():
            check.setChecked(False)
    qtbot.waitUntil(lambda: not run_js(qtbot, window, "layerState")["cases"])
    wait_painted(qtbot, window)
    shown = plum(window)
    assert shown > 300
    assert labels(qtbot, window, "xjwc-hotspot-label")

    window.workspace.layers.checks["hotspots"].setChecked(False)
    qtbot.waitUntil(lambda: not run_js(qtbot, window, "layerState")["hotspots"])
    # Leaflet takes a removed label out of the page 200 ms after it went transparent.
    qtbot.waitUntil(lambda: labels(qtbot, window, "xjwc-hotspot-label") == [])
    wait_painted(qtbot, window)
    assert plum(window) == 0
    assert not any(line.startswith("热点") for line in run_js(qtbot, window, "legendText"))

    window.workspace.layers.checks["hotspots"].setChecked(True)
    window.workspace.layers.sliders["hotspots"].setValue(30)
    qtbot.waitUntil(lambda: run_js(qtbot, window, "layerOpacity", "hotspots") == 0.3)
    wait_painted(qtbot, window)
    assert plum(window) < shown / 2  # faded: the plums turn pale
    peaks = drawn(qtbot, window, "hotspots")["peak"]
    assert all(p["fillOpacity"] == pytest.approx(0.3 * 0.3) for p in peaks)
    opacity = run_script(qtbot, window, "getComputedStyle(document.querySelector("
                                        "'.xjwc-hotspot-label')).opacity")
    assert float(opacity) == pytest.approx(0.3)


def test_english_layer_names_and_legend(qtbot, make_window):
    from xjwc_desktop.core.i18n import set_language

    set_language("en")
    try:
        window = make_window()
        places = window.workspace.places
        hotspots_on(qtbot, window)  # off at first: nothing searched for until it is on
        qtbot.waitUntil(lambda: places.drawn.get("hotspots", 0) > 0)
        assert {"Hotspots", "Bike coverage"} <= set(window.workspace.layers.labels())
        assert "Hotspots · density" in run_js(qtbot, window, "legendText")
    finally:
        set_language("zh")


def test_place_names_are_shown_as_text(qtbot, make_window, demo_db):
    """A hotspot is named after a compound within 200 m: a hostile name stays text."""
    payload = "<img src=x onerror=alert(1)>"
    with demo_db.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE compounds SET name = ? WHERE name = '橡树湾'", ("橡树湾" + payload,))
    window = make_window()
    places = window.workspace.places
    hotspots_on(qtbot, window)
    qtbot.waitUntil(lambda: places.drawn.get("hotspots", 0) > 0)
    assert "3 橡树湾" + payload in labels(qtbot, window, "xjwc-hotspot-label")
    assert run_script(qtbot, window, "document.querySelectorAll('img[src=\"x\"]').length") == 0
