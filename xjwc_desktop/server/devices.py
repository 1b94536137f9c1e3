"""Enrolled devices: who may sync, in what role, for which patrol zone.

An administrator enrolls each workstation or laptop; the device gets a random token once
and the server keeps only its SHA-256 (a token has 256 bits of entropy, so a fast hash is
enough: there is nothing to guess). A token is bound to the first workstation that uses
it, so a copied token cannot be used from a second machine.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.orm import Session

from xjwc_desktop.core import clock
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.model import SyncDevice, ZoneCode
from xjwc_desktop.core.storage.database import writing

#: Device roles, with what each may write (enforced in authz.py).
ROLES = {
    "admin": "管理员（全部数据，含类别与部门）",
    "operator": "网格中心工作站（案件与台账）",
    "inspector": "巡查员终端（本巡查区的案件）",
    "viewer": "只读（只下载）",
}
TOKEN_PREFIX = "xjwc_"
MAX_DEVICES = 99  # device numbers are two digits of the case number


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    role: str
    zone: str | None
    device_no: int
    workstation_id: str | None
    pushed_through: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_device(engine: Engine, name: str, role: str,
               zone: str | None = None) -> tuple[Device, str]:
    """Enroll a device; returns it and its token (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise InputError("设备名称不能为空。")
    if role not in ROLES:
        raise InputError(f"未知的角色“{role}”，可选：{'、'.join(ROLES)}。")
    if zone is not None:
        try:
            zone = ZoneCode.from_text(zone).value
        except ValueError as exc:
            raise InputError(str(exc)) from exc
    if role == "inspector" and zone is None:
        raise InputError("巡查员终端须指定巡查区：--zone north 或 --zone south。")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with Session(engine) as s, s.begin():
        if s.scalar(select(SyncDevice).where(SyncDevice.name == name)):
            raise InputError(f"设备“{name}”已登记（令牌只在登记时显示一次）。"
                             "请换一个名称登记；旧的可用 xjwc server revoke-device 吊销。")
        number = (s.scalar(select(func.max(SyncDevice.device_no))) or 0) + 1
        if number > MAX_DEVICES:
            raise InputError(f"最多可登记 {MAX_DEVICES} 台设备。")
        row = SyncDevice(id=uuid7(), name=name, role=role, zone=zone, device_no=number,
                         token_hash=token_hash(token), pushed_through=0)
        s.add(row)
        s.flush()
        return _device(row), token


def _device(row) -> Device:
    """From a ``SyncDevice`` or a row with its columns."""
    return Device(row.id, row.name, row.role, row.zone, row.device_no, row.workstation_id,
                  row.pushed_through)


def authenticate(engine: Engine, token: str | None) -> Device | None:
    """The live device holding ``token``, or None."""
    if not token:
        return None
    # Every request of every device passes here: a Core statement (cached), not an ORM
    # session that builds an object to read seven columns.
    with engine.connect() as conn:
        row = conn.execute(_BY_TOKEN, {"hash": token_hash(token)}).first()
        return _device(row) if row else None


_BY_TOKEN = select(*(SyncDevice.__table__.c[c] for c in (
    "id", "name", "role", "zone", "device_no", "workstation_id", "pushed_through"))).where(
    SyncDevice.token_hash == bindparam("hash"), SyncDevice.revoked_at.is_(None))


def bind_workstation(engine: Engine, device: Device, workstation_id: str) -> str | None:
    """Bind the device's token to ``workstation_id`` on first use; returns a refusal if the
    token is already bound to another workstation."""
    # A write transaction from its start: on SQLite one that began by reading would fail
    # at once, rather than wait its turn, when hellos and pushes come in together.
    with writing(engine) as conn, Session(bind=conn) as s:
        row = s.get(SyncDevice, device.id)
        if row.workstation_id is None:
            row.workstation_id = workstation_id
        elif row.workstation_id != workstation_id:
            return (f"设备“{device.name}”的令牌已在另一台工作站上使用；一个令牌只能用于一台"
                    "工作站。请为本机另行登记设备。")
        row.last_seen_at = clock.now()
        s.flush()
    return None


def list_devices(engine: Engine) -> list[dict]:
    with Session(engine) as s:
        return [{"name": d.name, "role": d.role, "zone": d.zone, "device_no": d.device_no,
                 "created_at": d.created_at, "last_seen_at": d.last_seen_at,
                 "revoked": d.revoked_at is not None}
                for d in s.scalars(select(SyncDevice).order_by(SyncDevice.device_no))]


def revoke_device(engine: Engine, name: str) -> None:
    with Session(engine) as s, s.begin():
        row = s.scalar(select(SyncDevice).where(SyncDevice.name == name))
        if row is None:
            raise InputError(f"没有名为“{name}”的设备。")
        row.revoked_at = clock.now()
