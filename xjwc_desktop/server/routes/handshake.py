"""``/v1/hello``: protocol and schema versions agree, the token is bound to a workstation."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request

from xjwc_desktop.core.sync.messages import Hello, HelloAnswer, Refusal
from xjwc_desktop.core.sync.transport import PROTOCOL
from xjwc_desktop.server import devices, feed, logs
from xjwc_desktop.server.routes.deps import REFUSALS, DeviceDep, SchemaDep, ServerDep, refuse

router = APIRouter()


@router.post("/v1/hello", summary="握手：协议与数据库结构版本，设备信息",
             response_model=HelloAnswer,
             responses={**REFUSALS, 409: {"model": Refusal, "description": "version mismatch"}})
def hello(body: Hello, request: Request, device: DeviceDep, server: ServerDep,
          head: SchemaDep):
    if body.protocol != PROTOCOL or body.schema_revision != head:
        logs.log("schema mismatch", logging.WARNING, device=device.name,
                 client_schema=body.schema_revision, server_schema=head)
        raise HTTPException(
            409, f"版本不一致：工作站数据库结构 {body.schema_revision}（同步协议 "
                 f"{body.protocol}），服务器为 {head}（协议 {PROTOCOL}）。请将工作站程序与"
                 "服务器升级到同一版本后再同步；本机数据未改动。")
    refusal = devices.bind_workstation(server.engine, device, body.workstation_id)
    if refusal:
        raise refuse(device, request, refusal)
    with server.engine.connect() as conn:
        seq = feed.latest_seq(conn)
    return {"server_id": server.server_id, "schema": head, "seq": seq,
            "device": {"name": device.name, "role": device.role, "zone": device.zone,
                       "device_no": device.device_no,
                       "pushed_through": device.pushed_through}}
