"""统计看板 in the main window: built when first shown, a bar click filters map and list."""

from __future__ import annotations

from tests.gui.conftest import count, run_js


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
