"""The map reads at a glance: a filtered set of a few thousand cases is drawn as discs, one
colour means one thing across layers, and the hotspots stay out of the way until asked for
(their labels off the road names)."""

from __future__ import annotations

import re

import pytest

from tests.gui.conftest import run_js, run_script, wait_filtered
from tests.gui.page_waits import next_frame
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.gui.map.web.palette import (
    LIGHT_COLORS,
    MIN_DELTA_E,
    STATUS_COLORS,
    delta_e,
    layer_colours,
)

CASE_COLOURS = sorted(set(STATUS_COLORS.values()) | set(LIGHT_COLORS))


def hex_of(colour: str) -> str:
    """``#rrggbb`` of a CSS colour as Leaflet keeps it (``#rrggbb`` or ``rgb(r,g,b)``)."""
    got = re.fullmatch(r"rgb\((\d+),\s*(\d+),\s*(\d+)\)", colour)
    return "#" + "".join(f"{int(v):02x}" for v in got.groups()) if got else colour.lower()


def nearest_case_colour(colour: str) -> tuple[float, str]:
    return min((delta_e(hex_of(colour), c), c) for c in CASE_COLOURS)


def test_no_other_layer_draws_in_a_case_colour():
    assert set(STATUS_COLORS) == set(CaseStatus)
    for layer, colours in layer_colours().items():
        for colour in colours:
            distance, case = nearest_case_colour(colour)
            assert distance >= MIN_DELTA_E, f"{layer} {colour} looks like the case's {case}"
    # The rule has teeth: yesterday's standing structure was the dispatched case's red.
    assert delta_e("#e74c3c", STATUS_COLORS[CaseStatus.DISPATCHED]) < MIN_DELTA_E
    assert delta_e("#c0392b", STATUS_COLORS[CaseStatus.DISPATCHED]) < MIN_DELTA_E


def drawn_colours(markers) -> set[str]:
    return {c for m in markers for c in (m.get("color"), m.get("fillColor")) if c}


def test_the_page_draws_registers_stations_and_hotspots_from_the_palette(qtbot, make_window):
    window = make_window()
    places = window.workspace.places
    window.workspace.layers.checks["hotspots"].setChecked(True)  # off at first
    qtbot.waitUntil(lambda: places.drawn.get("hotspots", 0) > 0)
    drawn = {
        "illegal_structures": drawn_colours(run_js(qtbot, window, "markerStyles",
                                                   "illegal_structures")),
        "bike_stations": drawn_colours(run_js(qtbot, window, "markerStyles", "bike_stations")),
        "hotspots": drawn_colours(run_js(qtbot, window, "places", "hotspots")),
    }
    assert all(drawn.values())
    for layer, colours in drawn.items():
        for colour in colours:
            distance, case = nearest_case_colour(colour)
            assert distance >= MIN_DELTA_E, f"{layer} draws {colour}, like a case's {case}"
    # The densest hotspot in the ramp's darkest colour; the stations in their teals.
    peaks = [p for p in run_js(qtbot, window, "places", "hotspots") if p["role"] == "peak"]
    assert hex_of(peaks[0]["fillColor"]) == "#8e0152"
    assert drawn["bike_stations"] <= set(layer_colours()["bike_stations"])


def test_the_hotspots_are_off_until_asked_for(qtbot, make_window):
    window = make_window()
    places = window.workspace.places
    qtbot.waitUntil(places.settled)
    assert places.drawn == {}  # nothing searched for a layer nobody looks at
    assert not window.workspace.layers.checks["hotspots"].isChecked()
    assert run_js(qtbot, window, "layerState")["hotspots"] is False
    assert not any(line.startswith("热点") for line in run_js(qtbot, window, "legendText"))
    assert run_script(qtbot, window,
                      "document.querySelectorAll('.xjwc-hotspot-label').length") == 0
    window.workspace.layers.checks["hotspots"].setChecked(True)
    qtbot.waitUntil(lambda: run_js(qtbot, window, "layerState")["hotspots"])
    qtbot.waitUntil(lambda: places.drawn.get("hotspots", 0) > 0)  # searched now
    assert "热点 · 密度" in run_js(qtbot, window, "legendText")


LABEL_BOXES = """Array.from(document.querySelectorAll('.leaflet-tooltip.{cls}'))
  .filter(e => e.style.visibility !== 'hidden')
  .map(e => {{ const r = e.getBoundingClientRect();
              return [r.left, r.top, r.right, r.bottom, e.textContent]; }})"""


def crossing(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("zoom", [None, 13.0, 13.5, 16.0])  # 13–13.5: names crowd
def test_hotspot_labels_keep_off_the_road_names(qtbot, make_window, zoom):
    window = make_window()
    places = window.workspace.places
    window.workspace.layers.checks["hotspots"].setChecked(True)
    qtbot.waitUntil(lambda: run_js(qtbot, window, "layerState")["hotspots"])
    qtbot.waitUntil(lambda: places.drawn.get("hotspots", 0) > 0)
    if zoom is not None:
        run_js(qtbot, window, "setView", 31.3300, 121.5050, zoom)
    next_frame(qtbot, window)
    roads = run_script(qtbot, window, LABEL_BOXES.format(cls="xjwc-road"))
    spots = run_script(qtbot, window, LABEL_BOXES.format(cls="xjwc-hotspot-label"))
    assert roads, "no road names drawn: nothing to keep off"
    assert spots, "every hotspot label hidden"
    for spot in spots:
        for road in roads:
            assert not crossing(spot, road), f"{spot[4]} covers the road name {road[4]}"
    for i, a in enumerate(spots):
        assert not any(crossing(a, b) for b in spots[i + 1:])
    # Every label, shown or not, still names its spot (hovering the circle names it too).
    names = run_script(qtbot, window, "Array.from(document.querySelectorAll("
                                      "'.xjwc-hotspot-label')).map(e => e.textContent)")
    peaks = [p for p in run_js(qtbot, window, "places", "hotspots") if p["role"] == "peak"]
    assert len(names) == len(peaks) >= len(spots)


def test_a_filter_of_a_few_thousand_cases_is_drawn_as_discs(qtbot, make_window, demo_db):
    window = make_window()
    ws = window.workspace
    for key in ("illegal_structures", "bike_stations", "compounds"):
        ws.layers.checks[key].setChecked(False)
    ws.layers.mode_box.setCurrentIndex(ws.layers.mode_box.findData("points"))
    qtbot.waitUntil(lambda: run_js(qtbot, window, "drawnMode") == "points")
    # Every case of the demo in view: too many for discs, each is a few pixels.
    total = run_js(qtbot, window, "caseCount")
    assert total > 10_000
    assert run_js(qtbot, window, "pointStyle") == "pixels"
    # Back to auto, and a filter down to a few thousand (大联动's cases: 1,910 of them).
    ws.layers.mode_box.setCurrentIndex(ws.layers.mode_box.findData("auto"))
    ws.filters.source_checks["daliandong"].setChecked(True)
    wait_filtered(qtbot, window)
    with demo_db.reading() as conn:
        expected = conn.exec_driver_sql("SELECT count(*) FROM cases WHERE source = 'daliandong' "
                                        "AND deleted_at IS NULL").scalar()
    assert 1000 < expected < 5000
    assert run_js(qtbot, window, "caseCount") == expected
    qtbot.waitUntil(lambda: run_js(qtbot, window, "pointStyle") == "discs")
    assert run_js(qtbot, window, "drawnMode") == "points"  # not clusters
    run_js(qtbot, window, "fitStreet")
    next_frame(qtbot, window)
    # Each case in view a disc of radius 4 px or more at the street's zoom.
    assert run_js(qtbot, window, "discsDrawn") > 0.9 * expected
    assert run_js(qtbot, window, "discRadius") >= 4
    ringed = run_script(qtbot, window, "XJWC_CONFIG.palette.case_outline")
    assert ringed.startswith("rgba(255,255,255")
