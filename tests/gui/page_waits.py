"""Waiting for the map page on a condition, never for a number of milliseconds.

A QWebEngineView draws in two other places (Chromium's renderer and its compositor), so
"the page has done X" and "X is on the screen" are two facts, and each gets its own wait:

- :func:`next_frame`: the page has run two animation frames since the call, so work it
  scheduled for the next frame (Leaflet's resize handling, a redraw) has run;
- :func:`wait_painted`: a frame drawn after everything the page did before the call has
  reached the widget, so ``grab()`` shows it. The page changes the colour of a one-pixel
  marker two frames on, and the test waits until ``grab()`` shows that colour.
"""

from __future__ import annotations

import json
import uuid

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor

from tests.gui.conftest import run_script

# Two colours no pixel test counts (not grey, not a case or heat colour), at a pixel the
# every-second-pixel counters never sample.
MARK_COLOURS = ("#0ac8fa", "#fa0ac8")
MARK_AT = (1, 1)


def next_frame(qtbot, window) -> None:
    """Until the page has run two animation frames from now."""
    token = uuid.uuid4().hex
    window.workspace.map.view.page().runJavaScript(
        "requestAnimationFrame(function () { requestAnimationFrame(function () {"
        f" window.__xjwcFrame = {json.dumps(token)}; }}); }}); 1")
    qtbot.waitUntil(lambda: run_script(qtbot, window, "window.__xjwcFrame || ''") == token)


def mark_colour(window) -> QColor:
    x, y = MARK_AT
    return window.workspace.map.view.grab(QRect(0, 0, x + 1, y + 1)).toImage().pixelColor(x, y)


def wait_painted(qtbot, window) -> None:
    """Until the view shows a frame the page drew after everything it did before now."""
    shown = mark_colour(window).name()
    colour = MARK_COLOURS[1] if shown == MARK_COLOURS[0] else MARK_COLOURS[0]
    x, y = MARK_AT
    window.workspace.map.view.page().runJavaScript(
        "(function () {"
        " var m = document.getElementById('xjwc-test-mark');"
        " if (!m) { m = document.createElement('div'); m.id = 'xjwc-test-mark';"
        f"  m.style.cssText = 'position:fixed;left:{x}px;top:{y}px;width:1px;height:1px;"
        "z-index:2147483647;pointer-events:none'; document.body.appendChild(m); }"
        " requestAnimationFrame(function () { requestAnimationFrame(function () {"
        f"  m.style.background = '{colour}'; }}); }});"
        " return 1; })()")
    qtbot.waitUntil(lambda: mark_colour(window).name() == colour)


def probe(qtbot, window, url: str, *, image: bool = True) -> dict:
    """From the page, ``fetch(url)`` (and load it as an image): how each attempt ended,
    once all have ended. A request that reached a server would have been answered (our
    loopback stand-ins answer everything); one stopped before leaving fails."""
    key = uuid.uuid4().hex
    target = json.dumps(url)
    window.workspace.map.view.page().runJavaScript(
        "(function () {"
        f" var out = window['{key}'] = {{}};"
        f" fetch({target}).then(function () {{ out.fetch = 'answered'; }},"
        "  function () { out.fetch = 'failed'; });"
        + (" var img = document.createElement('img');"
           " img.onload = function () { out.image = 'answered'; };"
           " img.onerror = function () { out.image = 'failed'; };"
           f" img.src = {target} + '?img'; document.body.appendChild(img);" if image else "")
        + " return 1; })()")
    want = {"fetch", "image"} if image else {"fetch"}
    outcome: dict = {}

    def ended() -> bool:
        outcome.update(run_script(qtbot, window, f"window['{key}']") or {})
        return set(outcome) == want

    qtbot.waitUntil(ended)
    return outcome


def wait_map_sized(qtbot, window) -> None:
    """Until Leaflet has taken the view's present size (it does so on the animation frame
    after the page's resize event; until then its pixel positions are for the old size)."""
    size = "(function (s) { return [s.x, s.y]; })(window[XJWC_CONFIG.map].getSize())"
    qtbot.waitUntil(lambda: run_script(qtbot, window, size)
                    == [window.workspace.map.view.width(), window.workspace.map.view.height()])
