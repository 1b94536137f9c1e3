"""The main window: list and map together, offline, layers, linked selection, safe text."""

from __future__ import annotations

import http.server
import threading

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.gui.conftest import count, run_js, run_script, wait_filtered
from tests.gui.page_waits import probe
from xjwc_desktop.gui.shell.qt_settings import MAP_VIEW


def test_list_and_map_show_every_case(qtbot, make_window, demo_db):
    window = make_window()
    total = count(demo_db, "SELECT count(*) FROM cases")
    assert total > 15_000
    assert window.workspace.case_list.model.rowCount() == total
    assert run_js(qtbot, window, "caseCount") == total
    assert run_js(qtbot, window, "totalCases") == total
    assert f"{total:,}" in window.workspace.case_list.count_label.text()
    assert f"{total:,}" in window.workspace.filters.count_label.text()


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        self.server.paths.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args):
        pass


def loopback_server(host: str = "127.0.0.1"):
    server = http.server.ThreadingHTTPServer((host, 0), _Recorder)
    server.paths = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_no_request_leaves_the_machine(qtbot, make_window):
    window = make_window()
    guard = window.workspace.map.view.guard
    assert guard.requested, "the interceptor saw no request at all"
    assert guard.blocked == []
    assert guard.to_tiles == []
    assert all(url.startswith("xjwc://app/") for url in guard.requested), guard.requested
    served = set(window.workspace.map.view.scheme_handler.served)
    assert {"map.html", "assets/leaflet/leaflet.js", "web/map.js", "web/cases.js",
            "data/cases.bin"} <= served
    # Anything the page might try is stopped before it leaves: a loopback server stands in
    # for the outside world and must hear nothing.
    outside = loopback_server()
    try:
        url = f"http://127.0.0.1:{outside.server_address[1]}/probe"
        # Both attempts have ended in the page: one that reached the server was heard first.
        assert probe(qtbot, window, url) == {"fetch": "failed", "image": "failed"}
        assert len(guard.blocked) >= 2
        assert outside.paths == []
        assert all(u.startswith(url) for u in guard.blocked)
    finally:
        outside.shutdown()


def test_every_layer_is_on_the_map_and_switchable(qtbot, make_window, settings_store):
    window = make_window()
    state = run_js(qtbot, window, "layerState")
    for layer in ("cases", "illegal_structures", "bike_stations", "compounds", "boundary",
                  "roads", "road_labels", "patrol_zones", "unit_grids", "yinhang_road"):
        assert state[layer] is True, layer
        assert window.workspace.layers.checks[layer].isChecked(), layer
    assert state["census"] is False  # 1,586 census points stay off until asked for
    assert "tiles" not in state  # no tile source configured
    assert not window.workspace.layers.checks["tiles"].isEnabled()
    for layer in ("illegal_structures", "census", "unit_grids", "cases"):
        check = window.workspace.layers.checks[layer]
        check.click()
        qtbot.waitUntil(lambda k=layer, c=check: run_js(qtbot, window, "layerState")[k]
                        is c.isChecked())
        assert settings_store.get_layers()[layer]["visible"] is check.isChecked()


def test_layer_choice_and_look_persist_for_the_next_window(qtbot, make_window, settings_store):
    window = make_window()
    window.workspace.layers.checks["bike_stations"].click()
    window.workspace.layers.sliders["patrol_zones"].setValue(40)
    window.workspace.layers.style_box.setCurrentIndex(window.workspace.layers.style_box.findData("source"))
    window.workspace.layers.mode_box.setCurrentIndex(window.workspace.layers.mode_box.findData("heatmap"))
    run_js(qtbot, window, "setView", 31.33, 121.50, 16)
    qtbot.waitUntil(lambda: (settings_store.get_layers().get("bike_stations") or {})
                    .get("visible") is False)
    qtbot.waitUntil(lambda: (settings_store.get(MAP_VIEW) or {}).get("zoom") == 16)
    window.close()
    again = make_window()
    assert run_js(qtbot, again, "layerState")["bike_stations"] is False
    assert not again.workspace.layers.checks["bike_stations"].isChecked()
    assert run_js(qtbot, again, "layerOpacity", "patrol_zones") == 0.4
    assert again.workspace.layers.sliders["patrol_zones"].value() == 40
    assert run_js(qtbot, again, "caseStyle") == "source"
    assert run_js(qtbot, again, "drawnMode") == "heatmap"
    view = run_js(qtbot, again, "view")
    assert view["zoom"] == 16
    assert abs(view["lat"] - 31.33) < 1e-6
    assert abs(view["lon"] - 121.50) < 1e-6


def test_click_on_a_case_shows_its_detail_and_row(qtbot, make_window, demo_db):
    window = make_window()
    # Few, well separated points:
    window.workspace.filters.status_checks["suspended"].setChecked(True)
    wait_filtered(qtbot, window)
    assert run_js(qtbot, window, "drawnMode") == "points"
    rowid = window.workspace.case_list.model.rowid_at(0)
    x, y = run_js(qtbot, window, "containerPointOf", rowid)
    QTest.mouseClick(window.workspace.map.view.focusProxy(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))
    qtbot.waitUntil(lambda: window.workspace.case_panel.snapshot is not None)
    case_no = count(demo_db, "SELECT case_no FROM cases WHERE rowid = ?", rowid)
    assert window.workspace.case_panel.snapshot.case_no == case_no
    assert window.workspace.case_list.view.selectionModel().selectedRows()[0].row() == 0
    assert window.workspace.case_panel.history.rowCount() >= 3  # reported, registered, ...
    qtbot.waitUntil(lambda: run_js(qtbot, window, "selectedRowids") == [rowid])


def test_click_on_a_cluster_zooms_in(qtbot, make_window):
    window = make_window()
    assert run_js(qtbot, window, "drawnMode") == "cluster"  # 15,789 cases at street zoom
    zoom = run_js(qtbot, window, "view")["zoom"]
    clusters = run_js(qtbot, window, "clusters")
    assert sum(n for _x, _y, n in clusters) > 15_000  # the street is in view: every case
    x, y, _n = max(clusters, key=lambda c: c[2])
    QTest.mouseClick(window.workspace.map.view.focusProxy(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))
    qtbot.waitUntil(lambda: run_js(qtbot, window, "view")["zoom"] == zoom + 2)
    assert window.workspace.case_panel.snapshot is None


def test_selected_rows_are_highlighted_on_the_map(qtbot, make_window):
    window = make_window()
    window.workspace.case_list.view.selectRow(3)
    rowid = window.workspace.case_list.model.rowid_at(3)
    qtbot.waitUntil(lambda: run_js(qtbot, window, "selectedRowids") == [rowid])
    window.zoom_action.trigger()
    qtbot.waitUntil(lambda: run_js(qtbot, window, "view")["zoom"] == 18)
    x, y = run_js(qtbot, window, "containerPointOf", rowid)
    size = window.workspace.map.view.size()
    assert abs(x - size.width() / 2) < 3
    assert abs(y - size.height() / 2) < 3


def test_untrusted_text_is_shown_as_text(qtbot, make_window, demo_db):
    payload = "<img src=x onerror=alert(1)>"
    with demo_db.write() as s:
        conn = s.connection()
        rowid = conn.exec_driver_sql("SELECT rowid FROM cases ORDER BY reported_at DESC "
                                     "LIMIT 1").scalar_one()
        conn.exec_driver_sql("UPDATE cases SET description = ? WHERE rowid = ?",
                             (payload, rowid))
        conn.exec_driver_sql("UPDATE compounds SET name = ? WHERE name = '橡树湾'",
                             ("橡树湾" + payload,))
    window = make_window()
    window.workspace.case_list.view.selectRow(window.workspace.case_list.model.row_of(rowid))
    qtbot.waitUntil(lambda: window.workspace.case_panel.snapshot is not None)
    fields = window.workspace.case_panel.fields
    shown = [fields.item(r, 1).text() for r in range(fields.rowCount())]
    assert payload in shown
    model = window.workspace.case_list.model
    column = next(i for i in range(model.columnCount())
                  if model.headerData(i, Qt.Orientation.Horizontal) == "问题描述")
    index = model.index(model.row_of(rowid), column)
    qtbot.waitUntil(lambda: model.data(index) != "…")  # rows are read as they are shown
    assert model.data(index) == payload
    labels = run_script(qtbot, window, "Array.from(document.querySelectorAll('.xjwc-compound'))"
                                       ".map(t => t.textContent)")
    assert "橡树湾" + payload in labels
    assert run_script(qtbot, window, "document.querySelectorAll('img[src=\"x\"]').length") == 0


def test_english_interface(qtbot, make_window):
    from xjwc_desktop.core.i18n import set_language

    set_language("en")
    try:
        window = make_window()
        headers = [window.workspace.case_list.model.headerData(i, Qt.Orientation.Horizontal)
                   for i in range(window.workspace.case_list.model.columnCount())]
        assert headers[:4] == ["Case no.", "Source", "Category", "Status"]
        labels = window.workspace.layers.labels()
        assert "Illegal structures" in labels
        assert "Street boundary" in labels
        assert window.workspace.filters.status_checks["closed"].text() == "Closed"
        legend = run_js(qtbot, window, "legendText")
        assert "Cases · Status" in legend
    finally:
        set_language("zh")


def test_every_column_sorts_the_list(qtbot, make_window, demo_db):
    from xjwc_desktop.core.queries.case_list import COLUMNS

    window = make_window()
    model = window.workspace.case_list.model
    header = window.workspace.case_list.view.horizontalHeader()
    for column, col in enumerate(COLUMNS):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            header.setSortIndicator(column, order)
            qtbot.waitUntil(lambda c=col, o=order: model._sort == (
                c.key, o == Qt.SortOrder.DescendingOrder) and window.workspace.tasks.idle)
            qtbot.waitUntil(lambda: "共" in window.workspace.case_list.count_label.text())
            first = model.rowid_at(0)
            way = "DESC" if order == Qt.SortOrder.DescendingOrder else "ASC"
            with demo_db.reading() as conn:
                expected = conn.exec_driver_sql(
                    f"SELECT c.rowid FROM cases c JOIN categories k ON k.code = c.category_code "
                    f"ORDER BY {col.sql} {way}, c.rowid {way} LIMIT 1").scalar_one()
            assert first == expected, (col.key, order)


def test_the_map_stays_visible_in_the_full_window(qtbot, demo_db, settings_store):
    from xjwc_desktop.gui.shell.qt_app import build_main_window

    window = build_main_window(demo_db, settings_store)  # with every dock of the app
    qtbot.addWidget(window)
    window.showNormal()
    window.resize(1400, 900)
    window.show()
    qtbot.waitUntil(lambda: window.workspace.map.is_ready, timeout=60_000)
    try:
        assert window.workspace.map.view.width() >= 420
        assert window.workspace.map.view.height() >= 320
        assert run_js(qtbot, window, "caseCount") > 15_000
    finally:
        window.close()
