"""``/v1/snapshot`` and ``/v1/files``: a new workstation's whole database, and photos."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from xjwc_desktop.core.sync.messages import FilesRequest, MissingFiles
from xjwc_desktop.core.workflow.attachments import MAX_PHOTO_BYTES
from xjwc_desktop.server import logs, photos
from xjwc_desktop.server.authz import WRITABLE
from xjwc_desktop.server.routes.deps import (
    REFUSALS,
    DeviceDep,
    SchemaDep,
    ServerDep,
    refuse,
)

router = APIRouter()


@router.get("/v1/snapshot", summary="新工作站的整库快照（SQLite 文件）", responses=REFUSALS)
def snapshot(request: Request, device: DeviceDep, head: SchemaDep):
    copy = request.app.state.snapshots.open_copy()
    logs.log("snapshot", device=device.name, cursor=copy.cursor, bytes=copy.size)
    return StreamingResponse(
        copy.chunks(), media_type="application/vnd.sqlite3",
        headers={"X-Xjwc-Cursor": str(copy.cursor), "X-Xjwc-Schema": head,
                 "X-Xjwc-Sha256": copy.sha256, "Content-Length": str(copy.size)})


@router.post("/v1/files/missing", summary="服务器还没有的照片（按 SHA-256）",
             response_model=MissingFiles, responses=REFUSALS)
def files_missing(body: FilesRequest, device: DeviceDep, server: ServerDep):
    return {"missing": photos.missing(server.files_dir, body.sha256)}


@router.put("/v1/files/{sha}", summary="上传一张照片（内容须与 SHA-256 相符）", status_code=204,
            description=f"A photo of at most {MAX_PHOTO_BYTES // 2**20} MB whose content "
                        "matches its SHA-256 (64 lowercase hex digits).",
            responses=REFUSALS)
async def put_file(sha: str, request: Request, device: DeviceDep, server: ServerDep):
    if "case_attachments" not in WRITABLE.get(device.role, ()):
        raise refuse(device, request, f"设备“{device.name}”无权上传照片。")
    try:
        photos.accept(server.files_dir, sha, await request.body())
    except photos.PhotoRefused as exc:
        logs.log("photo refused", logging.WARNING, device=device.name, reason=str(exc))
        raise HTTPException(422, str(exc)) from exc
    return Response(status_code=204)


@router.get("/v1/files/{sha}", summary="下载一张照片", responses=REFUSALS)
def get_file(sha: str, device: DeviceDep, server: ServerDep):
    found = photos.find(server.files_dir, sha)
    if found is None:
        raise HTTPException(404, "服务器上没有这张照片。")
    return FileResponse(found, media_type="application/octet-stream")
