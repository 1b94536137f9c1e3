"""The map page names the categories even when the case index comes in after the page."""

from __future__ import annotations

import threading

from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.gui.map import qt_map


def test_a_page_asked_for_before_the_index_still_knows_the_categories(
        qtbot, make_window, monkeypatch) -> None:
    built: list[tuple[str, ...]] = []
    page_built = threading.Event()
    original_page, original_load = qt_map.map_page, CaseIndex.load.__func__

    def map_page(options):
        built.append(options.category_majors)
        page_built.set()
        return original_page(options)

    def slow_load(cls, engine):
        # The index waits until the page was built (or a minute, so nothing can hang): the
        # order a slow disk or a million cases gives.
        page_built.wait(60)
        return original_load(cls, engine)

    monkeypatch.setattr(qt_map, "map_page", map_page)
    monkeypatch.setattr(CaseIndex, "load", classmethod(slow_load))
    window = make_window()
    qtbot.waitUntil(lambda: window.workspace.map.is_ready, timeout=60_000)
    assert built
    assert all(built), f"a page was built without the categories: {built}"
