"""The first main window: real street, layers, case list, offline, linked selection."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.gui.conftest import layer_labels, run_js, run_script


def count(db, sql: str, *params) -> int:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql(sql, params).scalar_one()


def test_list_and_map_show_every_case(qtbot, make_window, demo_db):
    window = make_window()
    total = count(demo_db, "SELECT count(*) FROM cases")
    assert total > 15_000
    assert window.table.model.rowCount() == total
    assert run_js(qtbot, window, "caseCount") == total
    assert f"{total:,}" in window.table.count_label.text()


def test_no_request_leaves_the_machine(make_window):
    window = make_window()
    guard = window.map.guard
    assert guard.requested, "the interceptor saw no request at all"
    assert guard.blocked == []
    assert all(url.startswith("xjwc://app/") for url in guard.requested), guard.requested
    served = set(window.map.scheme_handler.served)
    assert {"map.html", "assets/leaflet/leaflet.js", "web/map.js", "data/cases.bin"} <= served


def test_every_layer_is_on_the_map_and_switchable(qtbot, make_window):
    window = make_window()
    state = run_js(qtbot, window, "layerState")
    for layer in ("cases", "illegal_structures", "bike_stations", "boundary", "roads",
                  "patrol_zones", "unit_grids", "yinhang_road"):
        assert state[layer] is True, layer
    assert state["census"] is False  # 1,586 census points stay off until asked for
    assert run_js(qtbot, window, "setLayerVisible", "illegal_structures", False) is True
    assert run_js(qtbot, window, "layerState")["illegal_structures"] is False


def test_layer_choice_persists_for_the_next_window(qtbot, make_window, settings_store):
    window = make_window()
    labels = layer_labels(qtbot, window)
    index = labels.index("公益自行车站点")
    run_script(qtbot, window, "(document.querySelectorAll('.leaflet-control-layers-selector')"
                              f"[{index}].click(), true)")
    qtbot.waitUntil(lambda: settings_store.get_layers().get("bike_stations") is False)
    window.close()
    again = make_window()
    assert run_js(qtbot, again, "layerState")["bike_stations"] is False


def test_status_filter_drives_table_and_map(qtbot, make_window, demo_db):
    window = make_window()
    box = window.status_box
    box.setCurrentIndex(box.findData("dispatched"))
    expected = count(demo_db, "SELECT count(*) FROM cases WHERE status = 'dispatched'")
    assert 0 < expected < 1000
    assert window.table.model.rowCount() == expected
    qtbot.waitUntil(lambda: run_js(qtbot, window, "caseCount") == expected, timeout=10_000)


def test_click_on_a_case_shows_its_detail_and_row(qtbot, make_window, demo_db):
    window = make_window()
    box = window.status_box
    box.setCurrentIndex(box.findData("suspended"))  # few, well separated points
    qtbot.waitUntil(lambda: run_js(qtbot, window, "caseCount") == window.table.model.rowCount())
    rowid = window.table.model.rowid_at(0)
    x, y = run_js(qtbot, window, "containerPointOf", rowid)
    target = window.map.focusProxy()
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(round(x), round(y)))
    qtbot.waitUntil(lambda: window.detail.current is not None, timeout=10_000)
    with demo_db.engine.connect() as conn:
        case_no = conn.exec_driver_sql("SELECT case_no FROM cases WHERE rowid = ?",
                                       (rowid,)).scalar_one()
    assert window.detail.current["case_no"] == case_no
    assert window.table.view.selectionModel().selectedRows()[0].row() == 0
    assert window.detail.history.rowCount() >= 3  # reported, registered, dispatched, ...


def test_selected_rows_are_highlighted_on_the_map(qtbot, make_window):
    window = make_window()
    window.table.view.selectRow(3)
    rowid = window.table.model.rowid_at(3)
    qtbot.waitUntil(lambda: run_js(qtbot, window, "selectedRowids") == [rowid])
    assert run_js(qtbot, window, "zoomToSelection") is True


def test_untrusted_description_is_shown_as_text(qtbot, make_window, demo_db):
    payload = "<img src=x onerror=alert(1)>"
    with demo_db.engine.begin() as conn:
        rowid = conn.exec_driver_sql("SELECT rowid FROM cases ORDER BY reported_at DESC "
                                     "LIMIT 1").scalar_one()
        conn.exec_driver_sql("UPDATE cases SET description = ? WHERE rowid = ?",
                             (payload, rowid))
    window = make_window()
    window.table.view.selectRow(window.table.model.row_of(rowid))
    qtbot.waitUntil(lambda: window.detail.current is not None)
    shown = [window.detail.fields.item(r, 1).text() for r in range(window.detail.fields.rowCount())]
    assert payload in shown
    column = next(i for i in range(window.table.model.columnCount())
                  if window.table.model.headerData(i, Qt.Orientation.Horizontal) == "问题描述")
    index = window.table.model.index(window.table.model.row_of(rowid), column)
    assert window.table.model.data(index) == payload


def test_english_interface(qtbot, make_window):
    from xjwc_desktop.core.i18n import set_language

    set_language("en")
    try:
        window = make_window()
        headers = [window.table.model.headerData(i, Qt.Orientation.Horizontal)
                   for i in range(window.table.model.columnCount())]
        assert headers[:4] == ["Case no.", "Source", "Category", "Status"]
        labels = layer_labels(qtbot, window)
        assert "Illegal structures" in labels
        assert "Street boundary" in labels
        assert window.status_box.itemText(window.status_box.findData("closed")) == "Closed"
    finally:
        set_language("zh")
