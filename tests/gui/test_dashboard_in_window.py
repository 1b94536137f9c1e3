"""The dashboard dock in the main window: built when shown, a bar click filters the map."""

from __future__ import annotations

from tests.gui.conftest import run_js
from xjwc_desktop.gui.qt_dashboard_dock import install_dashboard
from xjwc_desktop.gui.qt_workflow_dock import install_workflow


def test_dashboard_bar_filters_map_and_table(qtbot, make_window, demo_db):
    window = make_window()
    install_workflow(window)
    hooks = install_dashboard(window)
    assert hooks.dashboard is None  # nothing computed until someone looks
    hooks.dock.raise_()
    qtbot.waitUntil(lambda: hooks.dashboard is not None)
    hooks.apply_filter({"sources": ("hotline",)})
    with demo_db.engine.connect() as conn:
        hotline = conn.exec_driver_sql(
            "SELECT count(*) FROM cases WHERE source = 'hotline'").scalar_one()
    qtbot.waitUntil(lambda: window.table.model.rowCount() == hotline)
    qtbot.waitUntil(lambda: run_js(qtbot, window, "caseCount") == hotline)
