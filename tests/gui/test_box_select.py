"""A box drawn on the map selects exactly the shown cases inside it, in the list too."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import count, run_js, run_script, wait_filtered
from tests.gui.page_waits import next_frame
from xjwc_desktop.core.queries.case_ref import CaseRef


def mouse(widget, kind, point: QPoint, buttons, modifiers) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else \
        Qt.MouseButton.NoButton
    pos = QPointF(point)
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(qtbot, window, start: QPoint, end: QPoint, modifiers, *,
         before_release=None) -> None:
    """Press, move in steps, release: a real drag through the view's input widget.

    ``before_release``: a condition to wait for with the button still down (Leaflet moves
    the map on the animation frame after a move, and a release in the same frame as the
    moves would end the drag before the map followed).
    """
    target = window.workspace.map.view.focusProxy()
    left = Qt.MouseButton.LeftButton
    mouse(target, QEvent.Type.MouseButtonPress, start, left, modifiers)
    for i in range(1, 6):
        point = start + (end - start) * i / 5
        mouse(target, QEvent.Type.MouseMove, point, left, modifiers)
    if before_release is not None:
        qtbot.waitUntil(before_release)
    mouse(target, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton, modifiers)


def cases_in(demo_db, window, qtbot, a: QPoint, b: QPoint, where: str = "1") -> set[int]:
    """Rowids inside the geographic rectangle under two screen points (independent SQL)."""
    lat0, lon0 = run_js(qtbot, window, "latLngAt", a.x(), a.y())
    lat1, lon1 = run_js(qtbot, window, "latLngAt", b.x(), b.y())
    with demo_db.reading() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT rowid FROM cases WHERE lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? "
            f"AND {where}", (min(lon0, lon1), max(lon0, lon1), min(lat0, lat1),
                             max(lat0, lat1))).fetchall()
    return {r[0] for r in rows}


def box_mode(qtbot, window) -> bool:
    return run_script(qtbot, window, "document.querySelector('.leaflet-container')"
                                     ".classList.contains('xjwc-box-mode')")


def selected_rowids(window) -> set[int]:
    listed = window.workspace.case_list
    return set(listed.model.rowids_at(listed.selected_rows()).tolist())


def test_shift_drag_selects_the_cases_in_the_box(qtbot, make_window, demo_db):
    window = make_window()
    run_js(qtbot, window, "setView", 31.3290, 121.5050, 16)
    next_frame(qtbot, window)
    a, b = QPoint(180, 160), QPoint(460, 380)
    expected = cases_in(demo_db, window, qtbot, a, b)
    assert 100 < len(expected) < 5000
    drag(qtbot, window, a, b, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(selected_rowids(window)) > 0)
    assert selected_rowids(window) == expected
    assert set(run_js(qtbot, window, "selectedRowids")) == expected
    assert f"{len(expected):,}" in window.map_status.text()
    assert run_js(qtbot, window, "view")["zoom"] == 16  # a box selects, it does not zoom
    # The list shows what the box caught, together; one click lists everything again.
    assert window.workspace.case_list.model.rowCount() == len(expected)
    assert f"框选 {len(expected):,} 件" in window.workspace.case_list.count_label.text()
    assert window.workspace.case_list.show_all_button.isVisible()
    assert run_js(qtbot, window, "caseCount") == count(demo_db, "SELECT count(*) FROM cases")
    window.workspace.case_list.show_all_button.click()
    total = count(demo_db, "SELECT count(*) FROM cases")
    assert window.workspace.case_list.model.rowCount() == total
    assert not window.workspace.case_list.show_all_button.isVisible()
    qtbot.waitUntil(lambda: run_js(qtbot, window, "selectedRowids") == [])


def test_clicking_a_case_outside_the_box_lists_everything_again(qtbot, make_window):
    window = make_window()
    run_js(qtbot, window, "setView", 31.3290, 121.5050, 17)
    next_frame(qtbot, window)
    assert run_js(qtbot, window, "boxSelect", 10, 10, 200, 200) > 0
    qtbot.waitUntil(lambda: window.workspace.case_list.model.subset_active)
    inside = set(window.workspace.case_list.model.rowids.tolist())
    outside = next(r for r in window.workspace.source.index.cols["rowid"][::-1].tolist()
                   if r not in inside)
    window.workspace.view.select([outside], current=CaseRef(outside))  # a click on its point
    assert not window.workspace.case_list.model.subset_active
    listed = window.workspace.case_list
    assert listed.model.rowid_at(listed.selected_rows()[0]) == outside
    qtbot.waitUntil(lambda: window.workspace.case_panel.snapshot is not None)


def test_box_mode_selects_without_shift_and_respects_the_filter(qtbot, make_window, demo_db):
    window = make_window()
    window.workspace.filters.status_checks["closed"].setChecked(True)
    wait_filtered(qtbot, window)
    run_js(qtbot, window, "setView", 31.3200, 121.5000, 16)
    window.box_action.setChecked(True)
    qtbot.waitUntil(lambda: box_mode(qtbot, window))
    a, b = QPoint(500, 420), QPoint(200, 150)  # dragged up and left
    expected = cases_in(demo_db, window, qtbot, a, b, "status = 'closed'")
    assert len(expected) > 50
    center = run_js(qtbot, window, "view")
    drag(qtbot, window, a, b, Qt.KeyboardModifier.NoModifier)
    qtbot.waitUntil(lambda: len(selected_rowids(window)) > 0)
    assert selected_rowids(window) == expected
    assert run_js(qtbot, window, "view") == center  # box mode: the drag did not pan
    window.box_action.setChecked(False)
    qtbot.waitUntil(lambda: not box_mode(qtbot, window))
    drag(qtbot, window, QPoint(300, 300), QPoint(200, 300), Qt.KeyboardModifier.NoModifier,
         before_release=lambda: run_js(qtbot, window, "view") != center)  # panning again
    qtbot.waitUntil(lambda: run_js(qtbot, window, "view") != center)


def test_a_box_over_nothing_clears_the_selection(qtbot, make_window):
    window = make_window()
    window.workspace.case_list.view.selectRow(0)
    qtbot.waitUntil(lambda: len(selected_rowids(window)) == 1)
    run_js(qtbot, window, "setView", 31.40, 121.60, 16)  # far outside the street
    next_frame(qtbot, window)
    drag(qtbot, window, QPoint(100, 100), QPoint(300, 300), Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(selected_rowids(window)) == 0)
    assert run_js(qtbot, window, "selectedRowids") == []


def test_a_big_box_stays_whole_on_the_map(qtbot, make_window):
    """More cases than the map rings for a selection made in the list: the box's own
    selection is not cut down to them when the list echoes it back."""
    from xjwc_desktop.gui.map.qt_map import MAX_RINGED

    window = make_window()
    run_js(qtbot, window, "fitStreet")
    next_frame(qtbot, window)
    view = window.workspace.map.view
    caught = run_js(qtbot, window, "boxSelect", 5, 5, view.width() - 5, view.height() - 5)
    assert caught > MAX_RINGED
    qtbot.waitUntil(lambda: len(selected_rowids(window)) == caught)
    next_frame(qtbot, window)  # anything the window sent the page has arrived by now
    assert len(run_js(qtbot, window, "selectedRowids")) == caught


def test_the_column_header_paints_without_walking_a_whole_selection(qtbot, make_window):
    """Every row of the list selected (a box shows exactly its cases, all selected; or
    Ctrl+A): painting the column header must not ask the model about each selected row.
    Qt's header asks whether each column is wholly selected, row by row, through Python:
    1–3 s per paint at 75,894 rows, which made box select at 1M take 0.1 s or 0.6 s."""
    window = make_window()
    listed = window.workspace.case_list
    qtbot.waitUntil(lambda: listed.model.rowCount() > 10_000)
    listed.view.selectAll()
    assert listed.selected_rows().size == listed.model.rowCount()
    asked = []
    flags = listed.model.flags
    listed.model.flags = lambda index: asked.append(index.row()) or flags(index)
    try:
        listed.view.horizontalHeader().repaint()
    finally:
        del listed.model.flags
    assert len(asked) < 100, f"the header asked the model {len(asked):,} times"


def test_a_few_cases_are_found_in_the_list_as_many_are(qtbot, make_window):
    """A click (one case) scans the list's order; a box builds the order's inverse: both
    give the same rows, and skip the cases the list does not show."""
    import numpy as np

    window = make_window()
    model = window.workspace.case_list.model
    qtbot.waitUntil(lambda: model.rowCount() > 10_000)
    n = model.rowCount()
    model.set_subset(np.arange(0, n, 2))  # every other case listed
    few = np.array([7, 0, 2, 4001, n - 1, 9, 10, 12])  # listed and not, unsorted
    scanned = model.rows_of_positions(few)
    assert model._row_of_position is None  # found without the inverse
    model.rows_of_positions(np.arange(n))  # a box: the inverse is built
    assert model._row_of_position is not None
    assert scanned.tolist() == model.rows_of_positions(few).tolist()
    assert sorted(model._order[scanned].tolist()) == [p for p in sorted(few) if p % 2 == 0]
    model.set_subset(None)
