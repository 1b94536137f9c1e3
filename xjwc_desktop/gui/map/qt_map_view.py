"""The live map: a QWebEngineView on our own scheme, offline by construction."""

from __future__ import annotations

import json
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView

from xjwc_desktop.core.queries.tile_sources import NO_TILES, TileSource
from xjwc_desktop.gui.map.qt_map_bridge import QtMapBridge
from xjwc_desktop.gui.map.qt_scheme import QtXjwcSchemeHandler

PAGE_URL = QUrl("xjwc://app/map.html")
LOCAL_SCHEMES = {"xjwc", "qrc", "data", "blob"}


class QtOfflineGuard(QWebEngineUrlRequestInterceptor):
    """Records every request the page makes; lets through only our own scheme and the
    servers of the tile source the user configured (none by default), blocks the rest."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tile_source: TileSource = NO_TILES
        self.requested: list[str] = []
        self.blocked: list[str] = []
        self.to_tiles: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802
        url = info.requestUrl()
        text = url.toString()
        self.requested.append(text)
        scheme = url.scheme()
        if scheme in LOCAL_SCHEMES:
            return
        if scheme in ("http", "https") and self.tile_source.allows(scheme, url.host(),
                                                                    url.port()):
            self.to_tiles.append(text)
            return
        self.blocked.append(text)
        info.block(True)


class QtMapView(QWebEngineView):
    """Shows the map page; talks to it through :class:`QtMapBridge` and ``runJavaScript``."""

    ready = Signal(int, float)

    def __init__(self, initial_state: Callable[[], dict], parent=None) -> None:
        super().__init__(parent)
        # An off-the-record profile: no disk cache, no cookies, nothing persisted by Chromium.
        self.profile = QWebEngineProfile(self)
        self.scheme_handler = QtXjwcSchemeHandler(self.profile)
        self.profile.installUrlSchemeHandler(b"xjwc", self.scheme_handler)
        self.guard = QtOfflineGuard(self.profile)
        self.profile.setUrlRequestInterceptor(self.guard)
        self._page = QWebEnginePage(self.profile, self)
        # Our page is a secure origin; an intranet tile server may be plain http. Only the
        # configured tile hosts get through the guard in any case.
        self._page.settings().setAttribute(
            QWebEngineSettings.WebAttribute.AllowRunningInsecureContent, True)
        self.setPage(self._page)
        self.bridge = QtMapBridge(initial_state, self)
        self.channel = QWebChannel(self._page)
        self.channel.registerObject("bridge", self.bridge)
        self._page.setWebChannel(self.channel)
        self.bridge.ready.connect(self._on_ready)
        self.is_ready = False

    def start(self, tile_source: TileSource = NO_TILES) -> None:
        """Load (or reload, after the tile source changed) the page."""
        self.guard.tile_source = tile_source
        self.is_ready = False
        self.load(PAGE_URL)

    def _on_ready(self, n: int, ms: float) -> None:
        self.is_ready = True
        self.ready.emit(n, ms)

    def call(self, function: str, *args, callback: Callable | None = None) -> None:
        """Call ``window.xjwc.<function>(*args)`` in the page; arguments and result as JSON.

        (Objects returned through runJavaScript arrive empty in PySide6; JSON text does not.)
        Calls made while the page is (re)loading are dropped, the callback gets None.
        """
        if self._page is None or not self.is_ready:
            # Before the page has its data there is nothing to call; the window re-applies
            # its state (filter, lights) when the page reports ready.
            if callback is not None:
                callback(None)
            return
        js_args = ", ".join(json.dumps(a) for a in args)
        script = f"JSON.stringify(window.xjwc ? window.xjwc.{function}({js_args}) : null)"
        if callback is None:
            self._page.runJavaScript(script)
        else:
            self._page.runJavaScript(script, 0,
                                     lambda text: callback(json.loads(text) if text else None))

    def dispose(self) -> None:
        """Delete the page now, before its profile (WebEngine warns and may crash otherwise).

        The view goes too: a view without a page would quietly make a default one (on the
        default profile) the next time anything asks it for its page.
        """
        if self._page is None:
            return
        self.setPage(None)
        shiboken6.delete(self._page)
        self._page = None
        self.hide()
        self.deleteLater()
