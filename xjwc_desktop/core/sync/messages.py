"""The sync API's messages, shared by the office server (which validates and documents
them) and the workstation's client (which checks the answers it gets).

Requests are validated by the server; answers are checked by the client where a wrong
shape would otherwise surface far from its cause (the handshake and the push). The bulky
answers (pull, rows, digests) are described here for the API's documentation and sent by
the server as they are, without a second pass through these models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_BODY = 64 * 1024 * 1024  # bytes per request
MAX_CHANGES = 5000  # changes per push
#: New rows per push sent as runs (``Push.inserts``): one server transaction of a few
#: seconds at most, well under the body limit.
MAX_INSERTS = 10_000
MAX_ROW_IDS = 20_000  # ids per /v1/rows request
MAX_FILE_QUERIES = 10_000  # checksums per /v1/files/missing request


# -- requests ------------------------------------------------------------------------
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


class InsertRun(BaseModel):
    """Consecutive new rows of one table: each row is a change of its own (``op``
    insert), with its change id and the device's sequence number at the same place; the
    row's ``id`` is the change's row id. The server answers only for the changes that did
    not simply go in (server/new_rows.py)."""

    tbl: str = Field(max_length=40)
    ids: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        description="change ids (UUIDv7)")
    seqs: list[Annotated[int, Field(ge=1)]] = Field(description="the device's order")
    rows: list[dict[str, Any]] = Field(description="whole rows in wire form")

    @model_validator(mode="after")
    def _aligned(self) -> InsertRun:
        if not len(self.ids) == len(self.seqs) == len(self.rows):
            raise ValueError("ids, seqs and rows must be as many")
        for row in self.rows:
            row_id = row.get("id")
            if not isinstance(row_id, str) or not 1 <= len(row_id) <= 32:
                raise ValueError("every row needs its id (1–32 characters)")
        return self


class Push(BaseModel):
    prev: int = Field(ge=0, description="last change seq the device knows was applied")
    changes: list[Change] = Field(max_length=MAX_CHANGES)
    inserts: list[InsertRun] = Field(
        default_factory=list, description=f"new rows in runs, instead of changes (at most "
                                          f"{MAX_INSERTS:,} rows)")

    @model_validator(mode="after")
    def _one_form(self) -> Push:
        if self.inserts and self.changes:
            raise ValueError("a push carries changes or inserts, not both")
        if sum(len(run.ids) for run in self.inserts) > MAX_INSERTS:
            raise ValueError(f"at most {MAX_INSERTS:,} new rows per push")
        return self


class TableCheck(BaseModel):
    ids: list[str]
    hash: int


class Check(BaseModel):
    tables: dict[str, TableCheck]


class RowsRequest(BaseModel):
    tbl: str
    ids: list[str] = Field(max_length=MAX_ROW_IDS)


class FilesRequest(BaseModel):
    sha256: list[str] = Field(max_length=MAX_FILE_QUERIES)


# -- answers -------------------------------------------------------------------------
class _Answer(BaseModel):
    # "schema" is a field of two answers; pydantic keeps the name for its own use.
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class Health(_Answer):
    status: Literal["ok"]
    server_id: str
    schema_revision: str = Field(alias="schema")
    seq: int = Field(description="the change feed's latest sequence number")
    database: str
    version: str


class DeviceInfo(_Answer):
    name: str
    role: Literal["admin", "operator", "inspector", "viewer"]
    zone: str | None
    device_no: int
    pushed_through: int = Field(description="the device's last change the server applied")


class HelloAnswer(_Answer):
    server_id: str
    schema_revision: str = Field(alias="schema")
    seq: int
    device: DeviceInfo


class ChangeResult(_Answer):
    id: str
    tbl: str
    row_id: str
    outcome: str = Field(description="applied / merged / unchanged / conflict / refused / "
                                     "set_aside ...")
    drop_local: bool = Field(description="the device takes back its row")
    seq: int | None = None
    conflicts: int = 0
    duplicate: bool = False
    reason: str | None = Field(None, description="why the change was refused")


class PushAnswer(_Answer):
    results: list[ChangeResult] = Field(description="per change; for a push of inserts, "
                                                    "per change that did not simply go in")
    inserted: int = Field(0, description="a push of inserts: changes that went in as sent, "
                                         "not listed in results")
    pushed_through: int
    seq: int


class OutOfOrderAnswer(_Answer):
    detail: str
    expected: int = Field(description="the device's last change the server has")


class TableRows(_Answer):
    name: str
    columns: list[str]
    rows: list[list[Any]]


class PullAnswer(_Answer):
    cursor: int
    more: bool
    tables: list[TableRows]
    count: int


class CheckAnswer(_Answer):
    tables: dict[str, dict[str, Any]]
    counts: dict[str, list[int]]
    seq: int


class DigestAnswer(_Answer):
    name: str
    rows: list[list[Any]] = Field(description="[id, row hash] in id order")
    more: bool


class MissingFiles(_Answer):
    missing: list[str]


class Refusal(_Answer):
    detail: str


class PushRefusal(_Answer):
    detail: str
    limit: Literal["conflicts", "seq"] = Field(
        description="the limit the push went over; 'conflicts': a smaller push may pass")
