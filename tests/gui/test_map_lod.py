"""Point mode's level of detail: with many cases it draws one point per occupied pixel cell
instead of every case, and the picture is the one drawing every case gives."""

from __future__ import annotations

from tests.gui.conftest import run_script

# Draw the frame twice, with and without the level of detail; count what differs.
COMPARE = """(function () {
  const map = window[XJWC_CONFIG.map];
  const canvas = document.querySelector('canvas.xjwc-cases');
  const pixels = () => canvas.getContext('2d').getImageData(0, 0, canvas.width,
                                                            canvas.height).data;
  xjwcProbe.setLod(false);
  const direct = pixels().slice(), full = xjwcProbe.drawStats();
  xjwcProbe.setLod(true);
  const lod = pixels(), cut = xjwcProbe.drawStats();
  let painted = 0, differ = 0, far = 0;
  for (let p = 0; p < lod.length; p += 4) {
    if (direct[p + 3] || lod[p + 3]) painted++;
    const d = Math.abs(direct[p] - lod[p]) + Math.abs(direct[p + 1] - lod[p + 1])
      + Math.abs(direct[p + 2] - lod[p + 2]) + Math.abs(direct[p + 3] - lod[p + 3]);
    if (d) differ++;
    if (d > 96) far++;  // a visibly different colour, not a shade
  }
  return { painted: painted, differ: differ, far: far, full: full, cut: cut };
})()"""


def test_lod_draws_fewer_points_and_the_same_picture(qtbot, make_window):
    window = make_window()
    ws = window.workspace
    ws.layers.mode_box.setCurrentIndex(ws.layers.mode_box.findData("points"))
    qtbot.waitUntil(lambda: run_script(qtbot, window, "xjwc.drawnMode()") == "points")
    # The demo's 15,000 cases stand in for a million (the level of detail from 1,000),
    # zoomed out, where they crowd.
    run_script(qtbot, window, "(XJWC_CONFIG.lodAbove = 1000,"
                              " xjwc.setView(31.329, 121.5075, 13), 1)")
    got = run_script(qtbot, window, COMPARE)
    shown = run_script(qtbot, window, "xjwc.caseCount()")
    assert got["full"]["style"] == got["cut"]["style"] == "pixels"
    assert got["full"]["primitives"] > 0.9 * shown  # every case in view, drawn
    assert got["cut"]["primitives"] < 0.8 * got["full"]["primitives"]
    assert got["painted"] > 5000
    assert got["differ"] < 0.05 * got["painted"]  # which case wins a shared pixel, at most


def test_the_heatmap_sums_lod_cells_into_the_same_surface(qtbot, make_window):
    window = make_window()
    ws = window.workspace
    ws.layers.mode_box.setCurrentIndex(ws.layers.mode_box.findData("heatmap"))
    qtbot.waitUntil(lambda: run_script(qtbot, window, "xjwc.drawnMode()") == "heatmap")
    run_script(qtbot, window, "(XJWC_CONFIG.lodAbove = 1000,"
                              " xjwc.setView(31.329, 121.5075, 13), 1)")
    got = run_script(qtbot, window, COMPARE)
    assert got["full"]["primitives"] > 0.9 * run_script(qtbot, window, "xjwc.caseCount()")
    assert got["cut"]["primitives"] < 0.5 * got["full"]["primitives"]
    assert got["painted"] > 20_000  # the surface covers the street
    # Weights moved by at most a heat cell, then blurred over several: the same surface,
    # a shade different in places.
    assert got["far"] < 0.02 * got["painted"]


def test_the_zooms_either_side_are_counted_while_the_user_looks(qtbot, make_window):
    """Clusters and LOD levels of the next zoom step up and down are built in idle slices,
    and equal what the step would have built itself."""
    window = make_window()
    ws = window.workspace
    for mode, levels in (("cluster", "clusters"), ("points", "lod"), ("heatmap", "lod")):
        ws.layers.mode_box.setCurrentIndex(ws.layers.mode_box.findData(mode))
        qtbot.waitUntil(lambda m=mode: run_script(qtbot, window, "xjwc.drawnMode()") == m)
        run_script(qtbot, window, "(XJWC_CONFIG.lodAbove = 1000,"
                                  " xjwc.setView(31.329, 121.5075, 15), 1)")
        qtbot.waitUntil(lambda: run_script(qtbot, window,
                                           "xjwcProbe.warmingCount()") == 0)
        got = run_script(qtbot, window, "xjwcProbe.warmedLevels()")
        built = set(got[levels])
        # The level drawn and both of its neighbours (which level a mode draws at zoom 15
        # depends on its cell size: clusters 15, points 14, the heatmap 13).
        assert any({z - 1, z, z + 1} <= built for z in built), (mode, got)
        assert got["same"], mode


def test_every_lod_level_keeps_the_last_case_and_the_count_of_each_cell(qtbot, make_window):
    """The bitmap-ranked levels equal a plain per-cell count, from the street down to the
    finest level that is built (where a dense grid was too big before)."""
    window = make_window()
    ws = window.workspace
    ws.layers.mode_box.setCurrentIndex(ws.layers.mode_box.findData("points"))
    qtbot.waitUntil(lambda: run_script(qtbot, window, "xjwc.drawnMode()") == "points")
    run_script(qtbot, window, "(XJWC_CONFIG.lodAbove = 1000, 1)")
    got = {level: run_script(qtbot, window, f"xjwcProbe.lodAgrees({level})")
           for level in (10, 13, 15, 17, 19)}
    assert got == {10: True, 13: True, 15: True, 17: True, 19: True}
