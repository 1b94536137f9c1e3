"""Syncing a workstation database, as ``xjwc sync`` and the window's 同步 button do it.

The device token is given once (``--token`` or ``XJWC_TOKEN``) and kept in the keyring or a
private file (credentials.py), never in the database. The server's address and, for a
self-signed certificate, the CA file are remembered in the database, so later syncs need
neither.
"""

from __future__ import annotations

import os
from pathlib import Path

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange.progress import Progress
from xjwc_desktop.core.storage.database import Database, open_database, writing
from xjwc_desktop.core.sync import credentials, state
from xjwc_desktop.core.sync.bootstrap import bootstrap, needs_bootstrap
from xjwc_desktop.core.sync.client import SyncClient, SyncReport
from xjwc_desktop.core.sync.transport import HttpTransport

TOKEN_ENV = "XJWC_TOKEN"


class TokenMissing(InputError):
    """No device token for this server on this workstation (the window offers to enter one)."""


def given_token(token: str | None) -> str | None:
    return token or os.environ.get(TOKEN_ENV) or None


def server_settings(db: Database, server_url: str | None,
                    ca_cert: str | None) -> tuple[str, str | None]:
    """The server to sync with: the one given, else the one this database synced with."""
    with db.engine.connect() as conn:
        url = server_url or state.get(conn, "server_url")
        ca = ca_cert or state.get(conn, "ca_cert")
    if not url:
        raise InputError("尚未设置街道办服务器：首次同步请用 --server 给出地址，例如 "
                         "http://192.168.1.10:8765。")
    return url.rstrip("/"), ca


def sync_database(db: Database, *, server_url: str | None = None, token: str | None = None,
                  ca_cert: str | None = None, verify: bool = False,
                  progress: Progress | None = None) -> SyncReport:
    """Sync an open workstation database."""
    url, ca = server_settings(db, server_url, ca_cert)
    token = given_token(token)
    stored = credentials.load_token(url, db.workstation_id)
    if token is None and stored is None:
        raise TokenMissing(f"本机没有服务器 {url} 的设备令牌：请在“服务器设置”中填写，或在命令行"
                           f"用 --token 或环境变量 {TOKEN_ENV} 给出管理员登记设备时得到的令牌。")
    with HttpTransport(url, token or stored, ca_cert=ca) as transport:
        client = SyncClient(db, transport, server_url=url, progress=progress)
        report = client.sync(verify=verify)
    # Settings change only after a sync that worked: a mistyped address or a server that
    # refused leaves the one that works in place.
    _remember(db, url, ca)
    if token and token != stored:
        credentials.save_token(url, db.workstation_id, token)
    return report


def _remember(db: Database, url: str, ca: str | None) -> None:
    with writing(db.engine) as conn:
        state.put(conn, "server_url", url)
        if ca:
            state.put(conn, "ca_cert", str(Path(ca).resolve()))


def sync_path(path: Path, *, server_url: str | None = None, token: str | None = None,
              ca_cert: str | None = None, verify: bool = False,
              progress: Progress | None = None) -> tuple[SyncReport, bool]:
    """Sync the database at ``path``; a missing or empty one is created from the server's
    snapshot first. Returns the report and whether the database was created."""
    path = Path(path).expanduser()
    created = False
    if needs_bootstrap(path):
        if not server_url:
            raise InputError("新工作站首次同步须用 --server 给出街道办服务器地址。")
        token = given_token(token)
        if not token:
            raise InputError(f"新工作站首次同步须用 --token 或环境变量 {TOKEN_ENV} 给出设备令牌。")
        with HttpTransport(server_url, token, ca_cert=ca_cert) as transport:
            if progress:
                progress(0, 0, "下载服务器的整库快照")
            bootstrap(path, transport, server_url=server_url.rstrip("/"))
        created = True
    db = open_database(path)
    try:
        report = sync_database(db, server_url=server_url, token=token, ca_cert=ca_cert,
                               verify=verify, progress=progress)
    finally:
        db.close()
    return report, created
