"""``/health``: open to monitoring, and the server's identity for a workstation to check
before it hands its token over."""

from __future__ import annotations

from fastapi import APIRouter

from xjwc_desktop import __version__
from xjwc_desktop.core.sync.messages import Health
from xjwc_desktop.server import feed
from xjwc_desktop.server.routes.deps import SchemaDep, ServerDep

router = APIRouter()


@router.get("/health", summary="服务器是否在运行", response_model=Health)
def health(server: ServerDep, head: SchemaDep):
    with server.engine.connect() as conn:
        seq = feed.latest_seq(conn)
    return {"status": "ok", "server_id": server.server_id, "schema": head,
            "seq": seq, "database": server.dialect, "version": __version__}
