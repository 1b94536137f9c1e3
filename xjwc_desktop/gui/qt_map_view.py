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
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView

from xjwc_desktop.gui.qt_map_bridge import QtMapBridge
from xjwc_desktop.gui.qt_scheme import QtXjwcSchemeHandler

PAGE_URL = QUrl("xjwc://app/map.html")
LOCAL_SCHEMES = {"xjwc", "qrc", "data", "blob"}


class QtOfflineGuard(QWebEngineUrlRequestInterceptor):
    """Records every request the page makes and blocks any that would leave the machine."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.requested: list[str] = []
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802
        url = info.requestUrl()
        self.requested.append(url.toString())
        if url.scheme() not in LOCAL_SCHEMES:
            self.blocked.append(url.toString())
            info.block(True)


class QtMapView(QWebEngineView):
    """Shows the map page; talks to it through :class:`QtMapBridge` and ``runJavaScript``."""

    ready = Signal(int, float)

    def __init__(self, routes: dict[str, tuple[Callable[[], bytes], str]], initial_state: dict,
                 parent=None) -> None:
        super().__init__(parent)
        # An off-the-record profile: no disk cache, no cookies, nothing persisted by Chromium.
        self.profile = QWebEngineProfile(self)
        self.scheme_handler = QtXjwcSchemeHandler(self.profile)
        for path, (producer, mime) in routes.items():
            self.scheme_handler.add_route(path, producer, mime)
        self.profile.installUrlSchemeHandler(b"xjwc", self.scheme_handler)
        self.guard = QtOfflineGuard(self.profile)
        self.profile.setUrlRequestInterceptor(self.guard)
        self._page = QWebEnginePage(self.profile, self)
        self.setPage(self._page)
        self.bridge = QtMapBridge(initial_state, self)
        self.channel = QWebChannel(self._page)
        self.channel.registerObject("bridge", self.bridge)
        self._page.setWebChannel(self.channel)
        self.bridge.ready.connect(self._on_ready)
        self.is_ready = False
        self.load(PAGE_URL)

    def _on_ready(self, n: int, ms: float) -> None:
        self.is_ready = True
        self.ready.emit(n, ms)

    def call(self, function: str, *args, callback: Callable | None = None) -> None:
        """Call ``window.xjwc.<function>(*args)`` in the page; arguments and result as JSON.

        (Objects returned through runJavaScript arrive empty in PySide6; JSON text does not.)
        """
        js_args = ", ".join(json.dumps(a) for a in args)
        script = f"JSON.stringify(window.xjwc ? window.xjwc.{function}({js_args}) : null)"
        if self._page is None:
            return
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
