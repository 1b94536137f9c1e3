"""Running the office server.

``xjwc serve --db URL [--host H --port P] [--tls-cert C --tls-key K] [--workers N]``.

With ``--workers N`` the server is N processes answering on one listening socket
(uvicorn's supervisor starts them, and starts a new one if one dies): one Python process
is bound by its interpreter, and a street's workstations syncing together keep it busy.
Nothing a request relies on lives in one process alone: devices and tokens are read from
the database per request; a push's locks, its device's order and the feed's numbering
are the database's (sequencer.py); photos are files written atomically under their
checksum; the snapshot cache is shared under a file lock (snapshot.py). The parent
migrates and prepares the database once before any worker starts.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.server import logs
from xjwc_desktop.server.app import create_app
from xjwc_desktop.server.database import PG_POOL, ServerDatabase, open_server_database
from xjwc_desktop.server.http_limits import (
    HEADER_TIMEOUT,
    KEEP_ALIVE,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
)

DEFAULT_PORT = 8765
#: Server processes ``xjwc serve`` starts unless told: one per core on PostgreSQL (four at
#: most: each keeps its own connections and memory; on two cores a third process did not
#: help, docs/dev/benchmarks.md), one on SQLite (its file has one writer).
MAX_DEFAULT_WORKERS = 4
#: How a worker learns which database to open, and how many workers share it (its app
#: is made by :func:`worker_app`).
WORKER_DB = "XJWC_SERVE_DB"
WORKER_COUNT = "XJWC_SERVE_WORKERS"


class HeaderTimeoutH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request headers do not
    arrive within :data:`HEADER_TIMEOUT` (a half-open request holds nothing for long)."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._header_timer = self.loop.call_later(
            getattr(self.config, "header_timeout", HEADER_TIMEOUT), self._no_headers)

    def _no_headers(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self._header_timer.cancel()
        super().connection_lost(exc)


def uvicorn_config(app, *, header_timeout: float = HEADER_TIMEOUT,
                   **options) -> uvicorn.Config:
    config = uvicorn.Config(app, log_config=None, access_log=False, http=HeaderTimeoutH11,
                            timeout_keep_alive=KEEP_ALIVE,
                            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                            limit_concurrency=MAX_CONNECTIONS, **options)
    config.header_timeout = header_timeout  # read by HeaderTimeoutH11
    return config


def default_workers(dialect: str) -> int:
    """Server processes for ``xjwc serve`` without ``--workers``."""
    if dialect != "postgresql":
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


def serve(db_url: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          tls_cert: str | None = None, tls_key: str | None = None,
          workers: int | None = None) -> None:
    """Run the office server until interrupted: ``workers`` processes (None: see
    :func:`default_workers`) on one socket."""
    if bool(tls_cert) != bool(tls_key):
        raise InputError("启用 TLS 须同时给出 --tls-cert 与 --tls-key。")
    for path in (tls_cert, tls_key):
        if path and not Path(path).is_file():
            raise InputError(f"找不到 TLS 文件“{path}”。")
    if workers is not None and not 1 <= workers <= 64:
        raise InputError(f"--workers 应在 1 到 64 之间（现为 {workers}）。")
    logs.configure()
    server = open_server_database(db_url)  # migrated and prepared once, before any worker
    workers = workers or default_workers(server.dialect)
    config = uvicorn_config(_module_app(server, workers), factory=workers > 1, host=host,
                            port=port, ssl_certfile=tls_cert, ssl_keyfile=tls_key,
                            timeout_graceful_shutdown=5, workers=workers)
    sock = config.bind_socket()
    logs.log("starting", database=server.dialect, host=host, port=sock.getsockname()[1],
             tls=bool(tls_cert), server_id=server.server_id, workers=workers)
    try:
        if workers == 1:
            uvicorn.Server(config).run(sockets=[sock])
        else:
            server.close()  # each worker opens its own connections
            os.environ[WORKER_DB] = server.url
            os.environ[WORKER_COUNT] = str(workers)
            Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
        server.close()


def _module_app(server: ServerDatabase, workers: int) -> FastAPI | str:
    """The app for one process, or where each worker finds its own."""
    if workers > 1:
        return f"{__name__}:worker_app"
    return _started_app(server)


def worker_app() -> FastAPI:
    """The app of one worker process of ``xjwc serve --workers N`` (uvicorn's factory)."""
    logs.configure()
    share = max(5, PG_POOL // int(os.environ[WORKER_COUNT]))
    app = _started_app(open_server_database(os.environ[WORKER_DB], prepare=False,
                                            pool_size=share))
    logs.log("worker started")
    return app


def _started_app(server: ServerDatabase) -> FastAPI:
    app = create_app(server)
    # Warm the snapshot cache so the first new workstation does not wait for it.
    threading.Thread(target=app.state.snapshots.refresh, name="xjwc-snapshot",
                     daemon=True).start()
    return app


class BackgroundServer:
    """The office server on a real socket, served from a thread of this process (for
    tests, benchmarks and a one-machine demo). ``port=0`` takes a free port."""

    def __init__(self, server: ServerDatabase, *, host: str = "127.0.0.1", port: int = 0,
                 tls_cert: str | None = None, tls_key: str | None = None,
                 header_timeout: float = HEADER_TIMEOUT, **app_options) -> None:
        self.db = server
        self.app = create_app(server, **app_options)
        self.sock = socket.socket()
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]
        self.url = f"{'https' if tls_cert else 'http'}://{host}:{self.port}"
        self._server = uvicorn.Server(uvicorn_config(
            self.app, header_timeout=header_timeout, ssl_certfile=tls_cert,
            ssl_keyfile=tls_key))
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self.sock]}, daemon=True,
                                        name="xjwc-server")

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the office server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
