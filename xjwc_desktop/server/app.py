"""The office server's HTTP API (FastAPI). ``/openapi.json`` describes it.

Every route but ``/health`` needs a device token (``Authorization: Bearer …``); refused
and unauthorised requests are logged with the client's address. No documentation page
is served (FastAPI's would load its scripts from a CDN).
"""

from __future__ import annotations

import logging
import time
from typing import Annotated

import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse

from xjwc_desktop import __version__
from xjwc_desktop.core.model.base import TEXT_LIMIT
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.sync.schema import is_synced
from xjwc_desktop.core.sync.transport import WORKSTATION_HEADER
from xjwc_desktop.server import devices, feed, logs, photos
from xjwc_desktop.server.authz import WRITABLE
from xjwc_desktop.server.database import ServerDatabase
from xjwc_desktop.server.gate import BODY_TIMEOUT, RequestGate
from xjwc_desktop.server.http_limits import (
    HEADER_TIMEOUT,
    KEEP_ALIVE,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
)
from xjwc_desktop.server.protocol import (
    MAX_BODY,
    MAX_CHANGES,
    PROTOCOL,
    Check,
    FilesRequest,
    Hello,
    Push,
    RowsRequest,
)
from xjwc_desktop.server.push import (
    MAX_CONFLICTS,
    MAX_SEQ_GAP,
    OutOfOrder,
    PushRefused,
    apply_push,
)
from xjwc_desktop.server.snapshot import SnapshotCache


def _json(data, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def current_device(request: Request) -> devices.Device:
    """The enrolled device making the request (401 and a log line if none)."""
    device = getattr(request.state, "authenticated", None)  # found by the gate (gate.py)
    if not isinstance(device, devices.Device):
        raise HTTPException(401, "未认证：缺少或无效的设备令牌。",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.device = device.name
    if request.url.path != "/v1/hello":
        # The token's binding holds for every request, not only the handshake: a copied
        # token (without the workstation it belongs to) can neither push nor read.
        claimed = request.headers.get(WORKSTATION_HEADER)
        if device.workstation_id is None or claimed != device.workstation_id:
            logs.log("forbidden", logging.WARNING, path=request.url.path, device=device.name,
                     role=device.role, reason="workstation binding",
                     client=request.client.host if request.client else None)
            raise HTTPException(403, f"设备“{device.name}”的令牌绑定在另一台工作站上，"
                                     "或本次请求未先握手；已拒绝。")
    return device


DeviceDep = Annotated[devices.Device, Depends(current_device)]


def _description(max_body: int) -> str:
    """The API's description with every limit (docs/admin/server.md explains them)."""
    return (
        "新江湾城街道网格化管理中心的同步服务器。\n\n"
        "**Limits** (see docs/admin/server.md):\n\n"
        "- every route but /health needs `Authorization: Bearer <token>`, checked before the "
        "body is read (401); after /v1/hello every request names the bound workstation in "
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
        f"- pull and digest: at most {feed.MAX_PULL:,} rows; /v1/rows 20,000 ids; "
        "/v1/files/missing 10,000 checksums; photos 30 MB")


def create_app(server: ServerDatabase, *, max_body: int = MAX_BODY) -> FastAPI:
    app = FastAPI(title="xjwc 街道办服务器", version=__version__, docs_url=None,
                  redoc_url=None, description=_description(max_body))
    engine = server.engine
    app.add_middleware(RequestGate, max_bytes=max_body,
                       authenticate=lambda token: devices.authenticate(engine, token))
    head = migrate.head_revision()
    snapshots = SnapshotCache(server)
    app.state.snapshots = snapshots
    app.state.server = server

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        logs.log("request", method=request.method, path=request.url.path,
                 status=response.status_code,
                 ms=round((time.perf_counter() - started) * 1000, 1),
                 device=getattr(request.state, "device", None),
                 client=request.client.host if request.client else None)
        return response

    def refuse(device: devices.Device, request: Request, why: str) -> HTTPException:
        logs.log("forbidden", logging.WARNING, path=request.url.path, device=device.name,
                 role=device.role, reason=why,
                 client=request.client.host if request.client else None)
        return HTTPException(403, why)

    @app.get("/health", summary="服务器是否在运行")
    def health():
        with engine.connect() as conn:
            seq = feed.latest_seq(conn)
        return {"status": "ok", "server_id": server.server_id, "schema": head, "seq": seq,
                "database": server.dialect, "version": __version__}

    @app.post("/v1/hello", summary="握手：协议与数据库结构版本，设备信息")
    def hello(body: Hello, request: Request, device: DeviceDep):
        if body.protocol != PROTOCOL or body.schema_revision != head:
            logs.log("schema mismatch", logging.WARNING, device=device.name,
                     client_schema=body.schema_revision, server_schema=head)
            raise HTTPException(
                409, f"版本不一致：工作站数据库结构 {body.schema_revision}（同步协议 "
                     f"{body.protocol}），服务器为 {head}（协议 {PROTOCOL}）。请将工作站程序与"
                     "服务器升级到同一版本后再同步；本机数据未改动。")
        refusal = devices.bind_workstation(engine, device, body.workstation_id)
        if refusal:
            raise refuse(device, request, refusal)
        with engine.connect() as conn:
            seq = feed.latest_seq(conn)
        return {"server_id": server.server_id, "schema": head, "seq": seq,
                "device": {"name": device.name, "role": device.role, "zone": device.zone,
                           "device_no": device.device_no,
                           "pushed_through": device.pushed_through}}

    @app.post("/v1/push", summary="上传本设备的修改（按设备顺序、每条修改只应用一次）")
    def push(body: Push, request: Request, device: DeviceDep):
        if device.role == "viewer" and body.changes:
            raise refuse(device, request, f"设备“{device.name}”为只读，不能上传修改。")
        try:
            result = apply_push(engine, server.server_id, device, body.prev,
                                [c.model_dump() for c in body.changes])
        except OutOfOrder as exc:
            logs.log("out of order", logging.WARNING, device=device.name, prev=body.prev,
                     expected=exc.expected)
            return _json({"detail": str(exc), "expected": exc.expected}, 409)
        except PushRefused as exc:
            logs.log("push refused", logging.WARNING, device=device.name, reason=str(exc))
            raise HTTPException(422, str(exc)) from exc
        logs.log("push", device=device.name, changes=len(body.changes),
                 conflicts=sum(r.get("conflicts", 0) for r in result["results"]))
        return _json(result)

    @app.get("/v1/pull", summary="下载自 since 之后变化的记录")
    def pull(device: DeviceDep, since: Annotated[int, Query(ge=0)] = 0,
             limit: Annotated[int, Query(ge=1, le=feed.MAX_PULL)] = 5000):
        return _json(feed.pull(engine, device.id, since, limit))

    @app.post("/v1/check", summary="同步结束时的核对：行哈希与各表行数")
    def check(body: Check, device: DeviceDep):
        unknown = [t for t in body.tables if not is_synced(t)]
        if unknown:
            raise HTTPException(422, f"未知的表：{unknown}")
        return _json(feed.check(engine, {t: c.model_dump() for t, c in body.tables.items()}))

    @app.post("/v1/rows", summary="按 id 取记录（核对不一致时重新下载）")
    def rows(body: RowsRequest, device: DeviceDep):
        if not is_synced(body.tbl):
            raise HTTPException(422, f"未知的表：{body.tbl}")
        return _json(feed.rows_by_id(engine, body.tbl, body.ids))

    @app.get("/v1/digest/{tbl}", summary="整表核对：按 id 顺序的行哈希")
    def digest(tbl: str, device: DeviceDep, after: str = "",
               limit: Annotated[int, Query(ge=1, le=feed.MAX_PULL)] = 5000):
        if not is_synced(tbl):
            raise HTTPException(422, f"未知的表：{tbl}")
        return _json(feed.digest(engine, tbl, after, limit))

    @app.get("/v1/snapshot", summary="新工作站的整库快照（SQLite 文件）")
    def snapshot(device: DeviceDep):
        copy = snapshots.open_copy()
        logs.log("snapshot", device=device.name, cursor=copy.cursor, bytes=copy.size)
        return StreamingResponse(
            copy.chunks(), media_type="application/vnd.sqlite3",
            headers={"X-Xjwc-Cursor": str(copy.cursor), "X-Xjwc-Schema": head,
                     "X-Xjwc-Sha256": copy.sha256, "Content-Length": str(copy.size)})

    @app.post("/v1/files/missing", summary="服务器还没有的照片（按 SHA-256）")
    def files_missing(body: FilesRequest, device: DeviceDep):
        return {"missing": photos.missing(server.files_dir, body.sha256)}

    @app.put("/v1/files/{sha}", summary="上传一张照片（内容须与 SHA-256 相符）", status_code=204)
    async def put_file(sha: str, request: Request, device: DeviceDep):
        if "case_attachments" not in WRITABLE.get(device.role, ()):
            raise refuse(device, request, f"设备“{device.name}”无权上传照片。")
        try:
            photos.accept(server.files_dir, sha, await request.body())
        except photos.PhotoRefused as exc:
            logs.log("photo refused", logging.WARNING, device=device.name, reason=str(exc))
            raise HTTPException(422, str(exc)) from exc
        return Response(status_code=204)

    @app.get("/v1/files/{sha}", summary="下载一张照片")
    def get_file(sha: str, device: DeviceDep):
        found = photos.find(server.files_dir, sha)
        if found is None:
            raise HTTPException(404, "服务器上没有这张照片。")
        return FileResponse(found, media_type="application/octet-stream")

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    return app
