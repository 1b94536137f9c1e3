"""The ``xjwc://app/...`` URL scheme: the map page, its assets and its data.

Serving through a scheme handler avoids ``setHtml``'s 2 MB limit and lets the page
``fetch()`` binary data (a ``file://`` page could not).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject
from PySide6.QtWebEngineCore import QWebEngineUrlRequestJob, QWebEngineUrlSchemeHandler

from xjwc_desktop.core.resources import RESOURCES_DIR

Producer = Callable[[], bytes]


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as leaflet

    return Path(leaflet.BASE_DIR)


def _qt_resource(path: str) -> bytes:
    f = QFile(path)
    if not f.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(path)
    try:
        return bytes(f.readAll().data())
    finally:
        f.close()


class QtXjwcSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``xjwc://app/<path>`` from registered producers and asset folders."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._routes: dict[str, tuple[Producer, str]] = {}
        self._folders = {"assets/leaflet/": _leaflet_dir(), "web/": RESOURCES_DIR / "web"}
        self.add_route("web/qwebchannel.js",
                       lambda: _qt_resource(":/qtwebchannel/qwebchannel.js"),
                       "application/javascript")
        self.served: list[str] = []

    def add_route(self, path: str, producer: Producer, mime: str) -> None:
        self._routes[path] = (producer, mime)

    def _resolve(self, path: str) -> tuple[bytes, str] | None:
        if path in self._routes:
            producer, mime = self._routes[path]
            return producer(), mime
        for prefix, folder in self._folders.items():
            if path.startswith(prefix):
                target = (folder / path[len(prefix):]).resolve()
                # Never serve anything outside the asset folder (no "../" escapes).
                if folder.resolve() in target.parents and target.is_file():
                    mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                    return target.read_bytes(), mime
        return None

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt API)
        url = job.requestUrl()
        path = url.path().lstrip("/")
        self.served.append(path)
        if url.host() != "app":
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        try:
            found = self._resolve(path)
        except Exception:  # a failing producer must not take the page down with it
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)
            raise
        if found is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        data, mime = found
        buffer = QBuffer(job)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime.encode(), buffer)
