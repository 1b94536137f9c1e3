"""What a start does in which order: the keyword search's texts are read after the map has
drawn the cases, not beside its first drawing."""

from __future__ import annotations


def test_search_texts_are_read_once_the_map_has_drawn(qtbot, make_window):
    seen = {}
    window = make_window(wait_for_map=False)
    ws = window.workspace
    ws.source.loaded.connect(lambda index: seen.setdefault(
        "at_load", (index.texts._loader, index.texts.loaded, ws.map.is_ready)))
    qtbot.waitUntil(lambda: "at_load" in seen, timeout=60_000)
    assert seen["at_load"] == (None, False, False)  # nothing read yet, the map not drawn
    qtbot.waitUntil(lambda: ws.map.is_ready, timeout=60_000)
    index = ws.source.index
    qtbot.waitUntil(lambda: index.texts.loaded, timeout=60_000)
