"""The workspace's shared case view: events reach subscribers once, weakly held."""

from __future__ import annotations

import gc

import numpy as np

from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.workflow.rules import Role
from xjwc_desktop.core.workspace.case_view import CaseRef, CaseView


class Listener:
    def __init__(self, view: CaseView) -> None:
        self.heard: list = []
        for name in ("filter", "mask", "subset", "selection", "current", "located", "role"):
            getattr(view.events, name).connect(getattr(self, f"on_{name}"))

    def on_filter(self, flt): self.heard.append(("filter", flt))  # noqa: E704
    def on_mask(self, mask, version): self.heard.append(("mask", version))  # noqa: E704
    def on_subset(self, positions): self.heard.append(("subset", positions))  # noqa: E704
    def on_selection(self, rowids): self.heard.append(("selection", rowids))  # noqa: E704
    def on_current(self, ref): self.heard.append(("current", ref))  # noqa: E704
    def on_located(self, ref): self.heard.append(("located", ref))  # noqa: E704
    def on_role(self, role): self.heard.append(("role", role))  # noqa: E704


def test_each_change_is_announced_once_and_repeats_are_not() -> None:
    view = CaseView()
    ear = Listener(view)
    flt = CaseFilter(statuses=("registered",))
    view.set_filter(flt)
    view.set_filter(flt)
    assert view.set_mask(np.ones(3, bool)) == 1
    view.select([7])
    view.select([7])
    view.set_role(Role.DISPATCHER)
    view.set_role(Role.DISPATCHER)
    assert ear.heard == [("filter", flt), ("mask", 1), ("selection", (7,)),
                         ("current", CaseRef(7)), ("role", Role.DISPATCHER)]


def test_the_case_on_show_is_one_case_however_it_is_named() -> None:
    view = CaseView()
    ear = Listener(view)
    view.show(CaseRef(case_id="c1"))
    view.learn(CaseRef(12, "c1"))  # the panel read it: now the list can find its row
    view.learn(CaseRef(12, "c1"))  # once
    assert view.current == CaseRef(12, "c1")
    view.select([12])  # the table selects its row: the same case, no event
    view.show(CaseRef(13))
    view.clear_selection()
    assert [h for h in ear.heard if h[0] in ("current", "located")] == [
        ("current", CaseRef(case_id="c1")), ("located", CaseRef(12, "c1")),
        ("current", CaseRef(13)), ("current", None)]
    assert view.selection == ()


def test_a_closed_view_hears_nothing_and_is_not_kept_alive() -> None:
    view = CaseView()
    ear = Listener(view)
    gc.collect()
    assert len(view.events.selection) == 1
    del ear
    gc.collect()
    view.select([1, 2])  # would raise if a dead listener were called
    assert len(view.events.selection) == 0


def test_a_blocked_event_stays_quiet() -> None:
    view = CaseView()
    ear = Listener(view)
    with view.events.selection.blocked():
        view.select([3, 4])
    assert ear.heard == []
    assert view.selection == (3, 4)
