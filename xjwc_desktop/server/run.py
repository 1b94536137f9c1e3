"""Running the office server.

``xjwc serve --db URL [--host H --port P] [--tls-cert C --tls-key K]``.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.server import logs
from xjwc_desktop.server.app import create_app
from xjwc_desktop.server.database import ServerDatabase, open_server_database
from xjwc_desktop.server.http_limits import (
    HEADER_TIMEOUT,
    KEEP_ALIVE,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
)

DEFAULT_PORT = 8765


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


def serve(db_url: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          tls_cert: str | None = None, tls_key: str | None = None) -> None:
    if bool(tls_cert) != bool(tls_key):
        raise InputError("启用 TLS 须同时给出 --tls-cert 与 --tls-key。")
    for path in (tls_cert, tls_key):
        if path and not Path(path).is_file():
            raise InputError(f"找不到 TLS 文件“{path}”。")
    logs.configure()
    server = open_server_database(db_url)
    app = create_app(server)
    # Warm the snapshot cache so the first new workstation does not wait for it.
    threading.Thread(target=app.state.snapshots.refresh, name="xjwc-snapshot",
                     daemon=True).start()
    logs.log("starting", database=server.dialect, host=host, port=port,
             tls=bool(tls_cert), server_id=server.server_id)
    try:
        uvicorn.Server(uvicorn_config(app, host=host, port=port, ssl_certfile=tls_cert,
                                      ssl_keyfile=tls_key, timeout_graceful_shutdown=5)).run()
    finally:
        server.close()


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
