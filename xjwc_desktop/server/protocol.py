"""The HTTP API's request shapes (pydantic: they validate input and document the API)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from xjwc_desktop.core.sync.transport import PROTOCOL

__all__ = ["PROTOCOL"]
MAX_BODY = 64 * 1024 * 1024  # bytes per request
MAX_CHANGES = 5000  # changes per push


class Hello(BaseModel):
    """First request of every sync: who is asking, with which schema."""

    protocol: int = Field(description="sync protocol version of the client")
    schema_revision: str = Field(description="Alembic revision of the workstation database")
    workstation_id: str = Field(min_length=1, max_length=32)
    app_version: str | None = None


class Change(BaseModel):
    """One change of the device's outbox (its id makes a repeated delivery harmless)."""

    id: str = Field(min_length=1, max_length=32, description="change id (UUIDv7)")
    seq: int = Field(ge=1, description="the device's own order of changes")
    tbl: str = Field(max_length=40)
    row_id: str = Field(min_length=1, max_length=32)
    op: Literal["insert", "update", "delete"]
    row: dict[str, Any] | None = Field(None, description="insert: the whole row")
    base: dict[str, Any] | None = Field(None, description="update/delete: the row before")
    new: dict[str, Any] | None = Field(None, description="update: the fields changed")
    stamp: dict[str, Any] | None = Field(None, description="update: updated_at, written_by")
    row_hash: int | None = Field(None, description="update: hash of the device's whole row")


class Push(BaseModel):
    prev: int = Field(ge=0, description="last change seq the device knows was applied")
    changes: list[Change] = Field(max_length=MAX_CHANGES)


class TableCheck(BaseModel):
    ids: list[str]
    hash: int


class Check(BaseModel):
    tables: dict[str, TableCheck]


class RowsRequest(BaseModel):
    tbl: str
    ids: list[str] = Field(max_length=20_000)


class FilesRequest(BaseModel):
    sha256: list[str] = Field(max_length=10_000)
