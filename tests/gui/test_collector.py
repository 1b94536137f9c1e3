"""The window runs Python's full collections itself, on the GUI thread, when nothing runs in
the background, after setting start-up's objects aside (``gui/shell/qt_collector.py``)."""

from __future__ import annotations

import gc

import pytest

from xjwc_desktop.gui.shell.qt_collector import PATIENCE, QtCycleCollector


@pytest.fixture
def collector(qapp):
    before = gc.get_threshold()
    busy = {"now": False}
    made = QtCycleCollector(busy=lambda: busy["now"])
    made.busy = busy
    yield made
    made.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def middle_collections(n: int) -> None:
    """What makes the oldest generation due: collections of the middle one."""
    gc.collect(2)  # its count starts at 0
    for _ in range(n):
        gc.collect(1)


def test_python_no_longer_collects_the_oldest_generation_itself(collector) -> None:
    young, middle, oldest = gc.get_threshold()
    assert oldest > 10**6
    assert (young, middle) == collector._thresholds[:2]


def test_a_due_collection_runs_when_the_window_is_idle(collector) -> None:
    threshold = collector._thresholds[2]
    middle_collections(threshold)
    assert collector.collect_due() is False  # not due yet
    middle_collections(threshold + 1)
    assert collector.collect_due() is True
    assert collector.collections == 1
    assert gc.get_count()[2] == 0


def test_a_busy_window_waits_but_not_for_ever(collector) -> None:
    threshold = collector._thresholds[2]
    collector.busy["now"] = True
    middle_collections(threshold + 1)
    assert collector.collect_due() is False  # a sync is being taken in: later
    middle_collections(threshold * PATIENCE + 1)
    assert collector.collect_due() is True  # waited long enough: memory stays bounded
    collector.busy["now"] = False


def test_start_up_objects_are_set_aside_and_given_back(collector) -> None:
    collector.freeze_start_up()
    assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    collector.freeze_start_up()  # once only
    assert gc.get_freeze_count() == frozen


def test_the_window_sets_start_up_aside_once_its_cases_are_in(qtbot, make_window) -> None:
    window = make_window()
    ws = window.workspace
    assert gc.get_threshold()[2] > 10**6
    qtbot.waitUntil(lambda: ws.collector.frozen, timeout=30_000)
    assert ws.source.index is not None
    assert gc.get_freeze_count() > 0
    window.close()
    assert gc.get_threshold()[2] < 10**6
    assert gc.get_freeze_count() == 0
