"""The ``xjwc://app/...`` URL scheme: the map page, its assets, its data and local tiles.

Serving through a scheme handler avoids ``setHtml``'s 2 MB limit and lets the page
``fetch()`` binary data (a ``file://`` page could not). Data that takes a database read or
more than a few milliseconds to make is served by an *asynchronous* route: the request is
held, the data made on a reader, and the answer sent when it is ready, so the page can load
in parallel with the data and the window never waits for either.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject
from PySide6.QtWebEngineCore import QWebEngineUrlRequestJob, QWebEngineUrlSchemeHandler

from xjwc_desktop.core.resources import RESOURCES_DIR

Producer = Callable[[], bytes]
PrefixProducer = Callable[[str], tuple[bytes, str] | None]
#: Called with a ``reply(data)`` to call (on the GUI thread) once the data is made; reply
#: None for "not found".
AsyncProducer = Callable[[Callable[[bytes | None], None]], None]


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


@dataclass
class Route:
    producer: Producer
    mime: str
    ready: Callable[[], bool] | None = None


class QtXjwcSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``xjwc://app/<path>`` from registered producers and asset folders."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._routes: dict[str, Route] = {}
        self._prefixes: dict[str, PrefixProducer] = {}
        self._folders = {"assets/leaflet/": _leaflet_dir(), "web/": RESOURCES_DIR / "web"}
        self._held: list[QWebEngineUrlRequestJob] = []
        self._async: dict[str, tuple[AsyncProducer, str]] = {}
        self._async_prefixes: dict[str, Callable] = {}
        self.add_route("web/qwebchannel.js",
                       lambda: _qt_resource(":/qtwebchannel/qwebchannel.js"),
                       "application/javascript")
        self.served: list[str] = []

    def add_route(self, path: str, producer: Producer, mime: str,
                  ready: Callable[[], bool] | None = None) -> None:
        """Serve ``path`` from ``producer``; while ``ready()`` is false, hold the requests."""
        self._routes[path] = Route(producer, mime, ready)

    def add_async_route(self, path: str, producer: AsyncProducer, mime: str) -> None:
        """Serve ``path`` from ``producer`` (see :data:`AsyncProducer`)."""
        self._async[path] = (producer, mime)

    def add_async_prefix(self, prefix: str,
                         producer: Callable[[str, Callable[[tuple[bytes, str] | None], None]],
                                            None]) -> None:
        """Serve every path under ``prefix`` asynchronously: ``producer(rest, reply)`` calls
        ``reply((data, mime))`` or ``reply(None)`` later, on the GUI thread."""
        self._async_prefixes[prefix] = producer

    def add_prefix(self, prefix: str, producer: PrefixProducer) -> None:
        """Serve every path under ``prefix``: ``producer(rest)`` gives (data, mime) or None."""
        self._prefixes[prefix] = producer

    def _resolve(self, path: str) -> tuple[bytes, str] | None:
        if path in self._routes:
            route = self._routes[path]
            return route.producer(), route.mime
        for prefix, producer in self._prefixes.items():
            if path.startswith(prefix):
                return producer(path[len(prefix):])
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
        if path in self._async:
            producer, mime = self._async[path]
            producer(lambda data: self._reply_later(job, data, mime))
            return
        for prefix, produce in self._async_prefixes.items():
            if path.startswith(prefix):
                produce(path[len(prefix):], lambda found: self._reply_later(
                    job, *(found if found is not None else (None, ""))))
                return
        route = self._routes.get(path)
        if route is not None and route.ready is not None and not route.ready():
            self._held.append(job)
            return
        self._answer(job, path)

    def _reply_later(self, job: QWebEngineUrlRequestJob, data: bytes | None, mime: str) -> None:
        if not shiboken6.isValid(job):  # the page went away (reload, close) meanwhile
            return
        if data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
        else:
            self._reply(job, data, mime)

    def _answer(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        try:
            found = self._resolve(path)
        except Exception:  # a failing producer must not take the page down with it
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)
            raise
        if found is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self._reply(job, *found)

    @staticmethod
    def _reply(job: QWebEngineUrlRequestJob, data: bytes, mime: str) -> None:
        buffer = QBuffer(job)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime.encode(), buffer)

    def resume(self) -> None:
        """Answer the held requests whose routes are ready now."""
        held, self._held = self._held, []
        for job in held:
            if not shiboken6.isValid(job):  # the page went away (reload, close) meanwhile
                continue
            path = job.requestUrl().path().lstrip("/")
            route = self._routes.get(path)
            if route is not None and route.ready is not None and not route.ready():
                self._held.append(job)
            else:
                self._answer(job, path)
