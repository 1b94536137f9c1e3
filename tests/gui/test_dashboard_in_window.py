"""统计看板 in the main window: built when first shown, a bar click filters map and list."""

from __future__ import annotations

from tests.gui.conftest import count, run_js, run_script


def test_dashboard_bar_filters_map_and_table(qtbot, make_window, demo_db):
    window = make_window()
    ws = window.workspace
    assert ws.dashboard.dashboard is None  # nothing computed until someone looks
    window.show_view(1)
    qtbot.waitUntil(lambda: ws.dashboard.dashboard is not None)
    board = ws.dashboard.dashboard
    qtbot.waitUntil(lambda: board.figures is not None)
    ws.dashboard.apply_filter({"sources": ("hotline",)})  # as a click on a bar does
    assert window.centre.currentIndex() == 0  # back to the map, filtered
    hotline = count(demo_db, "SELECT count(*) FROM cases WHERE source = 'hotline'")
    qtbot.waitUntil(lambda: ws.case_list.model.rowCount() == hotline)
    qtbot.waitUntil(lambda: run_js(qtbot, window, "caseCount") == hotline)
    assert ws.filters.source_checks["hotline"].isChecked()  # the panel shows the filter


def test_a_step_refreshes_the_dashboard_when_it_is_shown(qtbot, make_window, demo_db):
    from xjwc_desktop.core.operations import take_step
    from xjwc_desktop.core.workflow import Action, Actor, Role

    window = make_window()
    ws = window.workspace
    window.show_view(1)
    qtbot.waitUntil(lambda: ws.dashboard.dashboard is not None
                    and ws.dashboard.dashboard.figures is not None and ws.tasks.idle)
    board = ws.dashboard.dashboard
    closed = board.figures["kpis"]["closed"]
    window.show_view(0)
    case_id = count(demo_db, "SELECT id FROM cases WHERE status = 'verified' AND "
                             "registered_at >= '2015-01-01' LIMIT 1")
    ws.tasks.write(lambda db: take_step(db, case_id, Action.CLOSE, Actor(Role.SUPERVISOR)))
    qtbot.waitUntil(lambda: ws.tasks.idle)
    assert board.figures["kpis"]["closed"] == closed  # hidden: not refreshed yet
    window.show_view(1)
    qtbot.waitUntil(lambda: board.figures["kpis"]["closed"] == closed + 1)


def test_a_map_loaded_behind_another_view_draws_when_shown(qtbot, demo_db, settings_store):
    """Started on the dashboard (the last view of yesterday), the map page loads with no
    size; switching to it must show the street, not a blank page of NaN coordinates."""
    from xjwc_desktop.gui.shell.qt_app import build_main_window

    window = build_main_window(demo_db, settings_store)
    qtbot.addWidget(window)
    window.show_view(1)  # before the window (and so the map) was ever shown
    window.resize(1400, 900)
    window.show()
    try:
        ws = window.workspace
        qtbot.waitUntil(lambda: ws.dashboard.dashboard is not None, timeout=30_000)
        window.show_view(0)
        qtbot.waitUntil(lambda: ws.map.is_ready, timeout=30_000)
        view = run_js(qtbot, window, "view")
        assert all(v == v for v in view.values()), view  # no NaN
        assert 121.4 < view["lon"] < 121.6
        assert 31.2 < view["lat"] < 31.4
        scale = run_script(qtbot, window, "Array.from(document.querySelectorAll("
                                          "'.leaflet-control-scale-line'), e => e.textContent)")
        assert len(scale) == 1, scale  # metres only, no second line in feet
        assert scale[0].endswith("m"), scale
    finally:
        window.close()
