"""Every part of the filter panel narrows the list and the map to the same cases."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate

from tests.gui.conftest import count, count_row, run_js, wait_filtered
from xjwc_desktop.core.operations import take_step
from xjwc_desktop.core.workflow import Action, Actor, Role


def choose(box, data) -> None:
    (index,) = [i for i in range(box.count()) if box.itemData(i) == data]
    box.setCurrentIndex(index)


# (what the user does in the panel, the same filter in SQL)
CASES = {
    "status": (lambda w: w.workspace.filters.status_checks["dispatched"].setChecked(True),
               "status = 'dispatched'"),
    "two statuses": (lambda w: (w.workspace.filters.status_checks["handled"].setChecked(True),
                                w.workspace.filters.status_checks["verified"].setChecked(True)),
                     "status IN ('handled', 'verified')"),
    "source": (lambda w: w.workspace.filters.source_checks["hotline"].setChecked(True),
               "source = 'hotline'"),
    "category major": (lambda w: choose(w.workspace.filters.category_box, tuple(
        c for c, _n, major in w.workspace.source.reference.categories if major == "市容环境")),
                       "category_code IN (SELECT code FROM categories WHERE major = '市容环境')"),
    "category": (lambda w: choose(w.workspace.filters.category_box, ("E0201",)),
                 "category_code = 'E0201'"),
    "zone": (lambda w: choose(w.workspace.filters.zone_box, "north"), "zone_code = 'north'"),
    "unit grid": (lambda w: w.workspace.filters.grid_edit.setText("310110020002015"),
                  "grid_code = '310110020002015'"),
    "community": (lambda w: w.workspace.filters.grid_edit.setText("310110020001"),
                  "grid_code LIKE '310110020001%'"),
    "department": (lambda w: choose(w.workspace.filters.department_box, ("housing",)),
                   "department_id = (SELECT id FROM departments WHERE code = 'housing')"),
    "no department": (lambda w: choose(w.workspace.filters.department_box, ("",)),
                      "department_id IS NULL"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_filter_narrows_list_and_map_alike(qtbot, make_window, demo_db, name):
    action, where = CASES[name]
    window = make_window()
    action(window)
    wait_filtered(qtbot, window)
    expected = count(demo_db, f"SELECT count(*) FROM cases WHERE {where}")
    assert 0 < expected < 15_000
    assert window.workspace.case_list.model.rowCount() == expected
    assert run_js(qtbot, window, "caseCount") == expected
    assert f"{expected:,}" in window.workspace.filters.count_label.text()
    assert f"{expected:,}" in window.workspace.case_list.count_label.text()
    rowids = window.workspace.case_list.model.rowids[:50].tolist()
    matching = count(demo_db, f"SELECT count(*) FROM cases WHERE ({where}) AND rowid IN "
                              f"({','.join(map(str, rowids))})")
    assert matching == len(rowids)


def test_the_category_list_has_majors_and_their_categories(make_window):
    box = make_window().workspace.filters.category_box
    texts = [box.itemText(i) for i in range(box.count())]
    assert texts[0] == "全部"
    assert "市容环境（大类）" in texts
    assert "　暴露垃圾" in texts
    assert box.itemData(texts.index("　暴露垃圾")) == ("E0101",)


def test_report_date_range(qtbot, make_window, demo_db):
    window = make_window()
    panel = window.workspace.filters
    assert panel.date_from.date() == QDate(2015, 1, 1)  # the span of the data
    assert panel.date_to.date() == QDate(2015, 10, 31)
    panel.date_check.setChecked(True)
    panel.date_from.setDate(QDate(2015, 3, 1))
    panel.date_to.setDate(QDate(2015, 3, 31))
    wait_filtered(qtbot, window)
    assert panel.current_filter().date_from == dt.date(2015, 3, 1)
    expected = count(demo_db, "SELECT count(*) FROM cases WHERE reported_at >= '2015-03-01' "
                              "AND reported_at < '2015-04-01'")
    assert 1000 < expected < 3000
    assert window.workspace.case_list.model.rowCount() == expected
    assert run_js(qtbot, window, "caseCount") == expected


def test_text_search_runs_in_the_background_and_combines(qtbot, make_window, demo_db):
    window = make_window()
    zones = window.workspace.filters.zone_box
    zones.setCurrentIndex(zones.findData("south"))
    window.workspace.filters.text_edit.setText("垃圾")
    qtbot.waitUntil(lambda: window.workspace.filters.current_filter().text == "垃圾")
    qtbot.waitUntil(lambda: window.workspace.view.mask is not None
                    and window.workspace.view.filter.text == "垃圾"
                    and window.workspace.tasks.idle)
    wait_filtered(qtbot, window)
    expected = count(demo_db, "SELECT count(*) FROM cases WHERE zone_code = 'south' AND "
                              "(description LIKE '%垃圾%' OR address LIKE '%垃圾%' OR "
                              "case_no LIKE '%垃圾%' OR external_no LIKE '%垃圾%')")
    assert 100 < expected < 5000
    assert window.workspace.case_list.model.rowCount() == expected
    assert run_js(qtbot, window, "caseCount") == expected


def test_filters_combine_and_reset_brings_everything_back(qtbot, make_window, demo_db):
    window = make_window()
    panel = window.workspace.filters
    panel.status_checks["closed"].setChecked(True)
    panel.source_checks["patrol"].setChecked(True)
    panel.zone_box.setCurrentIndex(panel.zone_box.findData("south"))
    wait_filtered(qtbot, window)
    expected = count(demo_db, "SELECT count(*) FROM cases WHERE status = 'closed' AND "
                              "source = 'patrol' AND zone_code = 'south'")
    assert window.workspace.case_list.model.rowCount() == expected
    panel.reset_button.click()
    wait_filtered(qtbot, window)
    total = count(demo_db, "SELECT count(*) FROM cases")
    assert window.workspace.case_list.model.rowCount() == total
    assert run_js(qtbot, window, "caseCount") == total


def test_a_mask_answered_late_never_replaces_a_newer_filter(qtbot, make_window, demo_db):
    """Quick filter changes ask the page for masks whose answers can come back out of
    order (the stability run once left the map on an older filter). An answer to an older
    request that comes after a newer one is dropped: the map shows the newest filter."""
    window = make_window()
    ws = window.workspace
    ws.filters.status_checks["closed"].setChecked(True)
    wait_filtered(qtbot, window)
    applied = []
    ws.map.mask_shown.connect(lambda version, shown: applied.append((version, shown)))
    newest = ws.view.mask_version
    ws.map.call("loadMask", newest)
    ws.map.call("loadMask", newest - 1)  # an older request, answered after the newest
    ws.filters.status_checks["closed"].setChecked(False)
    wait_filtered(qtbot, window)  # the next filter's mask is what comes after
    versions = [version for version, _ in applied]
    assert newest - 1 not in versions, applied
    assert versions == sorted(versions)
    assert versions[-1] == ws.view.mask_version
    total = count(demo_db, "SELECT count(*) FROM cases")
    assert applied[-1][1] == total == run_js(qtbot, window, "caseCount")


def test_a_written_case_shows_up_in_list_and_map(qtbot, make_window, demo_db):
    window = make_window()
    window.workspace.filters.status_checks["suspended"].setChecked(True)
    wait_filtered(qtbot, window)
    before = window.workspace.case_list.model.rowCount()
    rowid, case_id = count_row(demo_db, "SELECT rowid, id FROM cases "
                                        "WHERE status = 'dispatched' LIMIT 1")
    # Someone suspends a dispatched case: it joins the list of suspended cases.
    window.workspace.tasks.write(lambda db: take_step(db, case_id, Action.SUSPEND,
                                                      Actor(Role.SUPERVISOR), note="等待拆迁"))
    wait_filtered(qtbot, window)
    assert window.workspace.case_list.model.rowCount() == before + 1
    qtbot.waitUntil(lambda: run_js(qtbot, window, "caseCount") == before + 1)
    assert window.workspace.case_list.select_rowid(rowid)


def test_a_filter_set_from_elsewhere_shows_in_the_panel(qtbot, make_window, demo_db):
    from xjwc_desktop.core.queries.case_list import CaseFilter

    window = make_window()
    flt = CaseFilter(statuses=("reported", "voided"), grid="310110020001", departments=("",),
                     date_from=dt.date(2015, 2, 1), date_to=dt.date(2015, 6, 30))
    window.workspace.filters.set_filter(flt)
    wait_filtered(qtbot, window)
    assert window.workspace.filters.current_filter() == flt
    assert window.workspace.filters.status_checks["voided"].isChecked()
    assert window.workspace.filters.grid_edit.text() == "310110020001"
    expected = count(demo_db, "SELECT count(*) FROM cases WHERE status IN ('reported', "
                              "'voided') AND "
                              "grid_code LIKE '310110020001%' AND department_id IS NULL AND "
                              "reported_at >= '2015-02-01' AND reported_at < '2015-07-01'")
    assert expected > 0
    assert window.workspace.case_list.model.rowCount() == expected
    assert run_js(qtbot, window, "caseCount") == expected
    with pytest.raises(ValueError, match="cannot show"):
        window.workspace.filters.set_filter(CaseFilter(categories=("E0101", "E0201")))
