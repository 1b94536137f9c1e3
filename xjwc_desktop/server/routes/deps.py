"""What every route needs: the authenticated device, the server's database, refusals."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from xjwc_desktop.core.sync.messages import Refusal
from xjwc_desktop.core.sync.transport import WORKSTATION_HEADER
from xjwc_desktop.server import devices, logs
from xjwc_desktop.server.database import ServerDatabase

#: The refusals every route with a device can answer (documented in the API).
REFUSALS = {401: {"model": Refusal, "description": "no, unknown or revoked token"},
            403: {"model": Refusal, "description": "token bound to another workstation, "
                                                   "or the device lacks the right"},
            413: {"model": Refusal, "description": "body over the size limit"}}


def json_response(data, status: int = 200) -> Response:
    """JSON by orjson, as it is (the bulky answers skip a second pass through models)."""
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


class _OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = orjson.loads(body)
            except orjson.JSONDecodeError:
                # What orjson refuses and the standard parser takes (NaN, Infinity, lone
                # surrogates, integers over 64 bits) is read as before, so such a change is
                # still refused one by one with its reason, not the whole push.
                self._json = json.loads(body)
        return self._json


class OrjsonRoute(APIRoute):
    """A route whose JSON body is parsed by orjson: the standard parser took an eighth of
    the office server's time under 20 pushing workstations (a push of 200 edits is
    300 KB)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def parse_with_orjson(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return parse_with_orjson


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_device(request: Request) -> devices.Device:
    """The enrolled device making the request, found by the gate (gate.py) before the body
    was read, and bound to the workstation the request names (403 otherwise)."""
    device = getattr(request.state, "authenticated", None)
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
                     role=device.role, reason="workstation binding", client=client_of(request))
            raise HTTPException(403, f"设备“{device.name}”的令牌绑定在另一台工作站上，"
                                     "或本次请求未先握手；已拒绝。")
    return device


def server_database(request: Request) -> ServerDatabase:
    return request.app.state.server


def server_schema(request: Request) -> str:
    """The schema revision this server runs (read once, when the app was made)."""
    return request.app.state.schema


DeviceDep = Annotated[devices.Device, Depends(current_device)]
ServerDep = Annotated[ServerDatabase, Depends(server_database)]
SchemaDep = Annotated[str, Depends(server_schema)]


def refuse(device: devices.Device, request: Request, why: str) -> HTTPException:
    logs.log("forbidden", logging.WARNING, path=request.url.path, device=device.name,
             role=device.role, reason=why, client=client_of(request))
    return HTTPException(403, why)
