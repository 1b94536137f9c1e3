"""``/v1/push`` and ``/v1/pull``: a device's changes in, the change feed out."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request

from xjwc_desktop.core.sync.messages import (
    MAX_CHANGES,
    OutOfOrderAnswer,
    PullAnswer,
    Push,
    PushAnswer,
    PushRefusal,
)
from xjwc_desktop.server import feed, logs
from xjwc_desktop.server.push import (
    MAX_CONFLICTS,
    MAX_SEQ_GAP,
    OutOfOrder,
    PushRefused,
    apply_push,
)
from xjwc_desktop.server.routes.deps import (
    REFUSALS,
    DeviceDep,
    OrjsonRoute,
    ServerDep,
    json_response,
    refuse,
)

router = APIRouter(route_class=OrjsonRoute)

PUSH_DESCRIPTION = (
    f"At most {MAX_CHANGES:,} changes, applied once each in the device's order. Each change "
    "is checked against the schema (known table and columns, finite numbers, real dates, "
    "texts within the column's length) and against the server's own rows (role, zone from "
    "the stored case, a case's position in the street and its zone, history insert-only); "
    "a change that fails is refused with its reason in a conflict record and the others "
    f"land. The whole push is refused (422, nothing applied) if it would create more than "
    f"{MAX_CONFLICTS} conflict records or a sequence number runs more than "
    f"{MAX_SEQ_GAP:,} ahead.")


@router.post("/v1/push", summary="上传本设备的修改（按设备顺序、每条修改只应用一次）",
             description=PUSH_DESCRIPTION, response_model=PushAnswer,
             responses={**REFUSALS,
                        409: {"model": OutOfOrderAnswer, "description": "out of order"},
                        422: {"model": PushRefusal, "description": "the whole push refused"}})
def push(body: Push, request: Request, device: DeviceDep, server: ServerDep):
    if device.role == "viewer" and (body.changes or body.inserts):
        raise refuse(device, request, f"设备“{device.name}”为只读，不能上传修改。")
    try:
        # A change's validated fields as they are (plain values and dicts, no nested
        # models): model_dump would copy 200 changes again, a twentieth of a push's time.
        result = apply_push(server.engine, server.server_id, device, body.prev,
                            [c.__dict__ for c in body.changes],
                            [{"tbl": r.tbl, "ids": r.ids, "seqs": r.seqs, "rows": r.rows}
                             for r in body.inserts])
    except OutOfOrder as exc:
        logs.log("out of order", logging.WARNING, device=device.name, prev=body.prev,
                 expected=exc.expected)
        return json_response({"detail": str(exc), "expected": exc.expected}, 409)
    except PushRefused as exc:
        logs.log("push refused", logging.WARNING, device=device.name, reason=str(exc))
        return json_response({"detail": str(exc), "limit": exc.limit}, 422)
    logs.log("push", device=device.name,
             changes=len(body.changes) + sum(len(r.ids) for r in body.inserts),
             conflicts=sum(r.get("conflicts", 0) for r in result["results"]))
    return json_response(result)


@router.get("/v1/pull", summary="下载自 since 之后变化的记录", response_model=PullAnswer,
            description=f"At most {feed.MAX_PULL:,} feed entries per request.",
            responses=REFUSALS)
def pull(device: DeviceDep, server: ServerDep, since: Annotated[int, Query(ge=0)] = 0,
         limit: Annotated[int, Query(ge=1, le=feed.MAX_PULL)] = 5000):
    return json_response(feed.pull(server.engine, device.id, since, limit))
