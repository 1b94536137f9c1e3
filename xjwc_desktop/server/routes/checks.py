"""``/v1/check``, ``/v1/rows``, ``/v1/digest``: a device compares its rows with the
server's and fetches the ones that differ."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from xjwc_desktop.core.sync.messages import Check, CheckAnswer, DigestAnswer, RowsRequest, TableRows
from xjwc_desktop.core.sync.schema import is_synced
from xjwc_desktop.server import feed
from xjwc_desktop.server.routes.deps import (
    REFUSALS,
    DeviceDep,
    OrjsonRoute,
    ServerDep,
    json_response,
)

router = APIRouter(route_class=OrjsonRoute)


def _known(tables) -> None:
    unknown = [t for t in tables if not is_synced(t)]
    if unknown:
        raise HTTPException(422, f"未知的表：{unknown}")


@router.post("/v1/check", summary="同步结束时的核对：行哈希与各表行数",
             response_model=CheckAnswer, responses=REFUSALS)
def check(body: Check, device: DeviceDep, server: ServerDep):
    _known(body.tables)
    return json_response(feed.check(server.engine,
                                    {t: c.model_dump() for t, c in body.tables.items()}))


@router.post("/v1/rows", summary="按 id 取记录（核对不一致时重新下载）", response_model=TableRows,
             responses=REFUSALS)
def rows(body: RowsRequest, device: DeviceDep, server: ServerDep):
    _known([body.tbl])
    return json_response(feed.rows_by_id(server.engine, body.tbl, body.ids))


@router.get("/v1/digest/{tbl}", summary="整表核对：按 id 顺序的行哈希",
            response_model=DigestAnswer, responses=REFUSALS)
def digest(tbl: str, device: DeviceDep, server: ServerDep, after: str = "",
           limit: Annotated[int, Query(ge=1, le=feed.MAX_PULL)] = 5000):
    _known([tbl])
    return json_response(feed.digest(server.engine, tbl, after, limit))
