"""Running the office server.

``xjwc serve --db URL [--host H --port P] [--tls-cert C --tls-key K]``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import uvicorn

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.server import logs
from xjwc_desktop.server.app import create_app
from xjwc_desktop.server.database import open_server_database

DEFAULT_PORT = 8765


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
        uvicorn.run(app, host=host, port=port, ssl_certfile=tls_cert, ssl_keyfile=tls_key,
                    log_config=None, access_log=False, timeout_graceful_shutdown=5)
    finally:
        server.close()
