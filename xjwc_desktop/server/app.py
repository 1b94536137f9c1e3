"""The office server's HTTP API (FastAPI). ``/openapi.json`` describes it.

Every route but ``/health`` needs a device token (``Authorization: Bearer …``), checked by
the gate (gate.py) before the body is read; refused and unauthorised requests are logged
with the client's address. The routes live in routes/, one module per concern; the
message shapes in core/sync/messages.py, shared with the client. No documentation page is
served (FastAPI's would load its scripts from a CDN).
"""

from __future__ import annotations

import time

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xjwc_desktop import __version__
from xjwc_desktop.core.model.base import TEXT_LIMIT
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.sync.messages import MAX_BODY, MAX_CHANGES, MAX_FILE_QUERIES, MAX_ROW_IDS
from xjwc_desktop.core.sync.transport import WORKSTATION_HEADER
from xjwc_desktop.core.workflow.attachments import MAX_PHOTO_BYTES
from xjwc_desktop.server import devices, feed, logs
from xjwc_desktop.server.database import ServerDatabase
from xjwc_desktop.server.gate import BODY_TIMEOUT, RequestGate
from xjwc_desktop.server.http_limits import (
    HEADER_TIMEOUT,
    KEEP_ALIVE,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
)
from xjwc_desktop.server.push import MAX_CONFLICTS, MAX_SEQ_GAP
from xjwc_desktop.server.routes import changes, checks, files, handshake, health
from xjwc_desktop.server.snapshot import SnapshotCache


def _description(max_body: int) -> str:
    """The API's description with every limit (docs/admin/server.md explains them)."""
    return (
        "新江湾城街道网格化管理中心的同步服务器。\n\n"
        "**Limits** (see docs/admin/server.md):\n\n"
        "- every route but /health needs `Authorization: Bearer <token>`, checked before the "
        "body is parsed (401); after /v1/hello every request names the bound workstation in "
        f"`{WORKSTATION_HEADER}` (403 otherwise)\n"
        f"- request body: at most {max_body // 2**20} MB (413), arriving within "
        f"{BODY_TIMEOUT:.0f} s (408)\n"
        f"- HTTP server: request headers within {HEADER_TIMEOUT:.0f} s, at most "
        f"{MAX_HEADER_BYTES // 1024} KB; idle keep-alive {KEEP_ALIVE} s; "
        f"{MAX_CONNECTIONS} connections at once (503)\n"
        f"- push: at most {MAX_CHANGES:,} changes, {MAX_CONFLICTS} new conflict records, a "
        f"sequence number at most {MAX_SEQ_GAP:,} ahead (422, nothing applied)\n"
        f"- each change: known table and columns, finite numbers, real dates, texts within "
        f"the column's length (VARCHAR(n), or {TEXT_LIMIT:,} characters), history "
        "insert-only, a case's position inside the street and in its zone; a change that "
        "fails is refused in a conflict record\n"
        f"- pull and digest: at most {feed.MAX_PULL:,} rows; /v1/rows {MAX_ROW_IDS:,} ids; "
        f"/v1/files/missing {MAX_FILE_QUERIES:,} checksums; photos "
        f"{MAX_PHOTO_BYTES // 2**20} MB")


class AccessLog:
    """One log line per request: method, path, status, milliseconds, device, client.

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` runs every request
    through a task group and memory streams, a cost paid 20 times at once when a street's
    workstations sync together."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client")
            logs.log("request", method=scope["method"], path=scope["path"], status=status,
                     ms=round((time.perf_counter() - started) * 1000, 1),
                     device=(scope.get("state") or {}).get("device"),
                     client=client[0] if client else None)


#: FastAPI (0.165 and later) instruments every request for OpenTelemetry and, when the
#: environment says ``FASTAPI_OTEL_AUTO_CONFIGURE=true``, adds exporters that send to the
#: endpoint the environment names. The office server sends nothing anywhere but its answers
#: (its own JSON log is what it keeps); off, whatever the environment, and a request no
#: longer passes through the instrumentation.
NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                "auto_configure": False}


def create_app(server: ServerDatabase, *, max_body: int = MAX_BODY,
               body_timeout: float = BODY_TIMEOUT) -> FastAPI:
    app = FastAPI(title="xjwc 街道办服务器", version=__version__, docs_url=None,
                  redoc_url=None, description=_description(max_body), telemetry=NO_TELEMETRY)
    engine = server.engine
    app.add_middleware(RequestGate, max_bytes=max_body, body_timeout=body_timeout,
                       authenticate=lambda token: devices.authenticate(engine, token))
    app.state.snapshots = SnapshotCache(server)
    app.state.server = server
    app.state.schema = migrate.head_revision()  # this program's, fixed for its life
    for module in (health, handshake, changes, checks, files):
        app.include_router(module.router)

    app.add_middleware(AccessLog)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    return app
