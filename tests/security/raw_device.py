"""A device that speaks raw HTTP to the office server: what an attacker holding a token (or
an unlucky script) sends, without the workstation's own checks."""

from __future__ import annotations

import json

import httpx

from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.sync.transport import PROTOCOL, WORKSTATION_HEADER


class RawDevice:
    def __init__(self, server, name: str, role: str = "operator", zone: str | None = None):
        self.token = server.enroll(name, role, zone)
        self.workstation = uuid7()
        self.http = httpx.Client(base_url=server.url, timeout=60, headers={
            "Authorization": f"Bearer {self.token}", WORKSTATION_HEADER: self.workstation})
        hello = self.http.post("/v1/hello", json={
            "protocol": PROTOCOL, "schema_revision": migrate.head_revision(),
            "workstation_id": self.workstation})
        assert hello.status_code == 200, hello.text
        self.seq = 0
        self.prev = 0

    def close(self) -> None:
        self.http.close()

    def push(self, *changes: dict, seq: int | None = None) -> httpx.Response:
        """Push ``changes`` (each gets an id and the next sequence number)."""
        sent = []
        for change in changes:
            self.seq = seq if seq is not None else self.seq + 1
            sent.append({"id": uuid7(), "seq": self.seq, **change})
        # json.dumps writes Infinity and NaN as JavaScript does (what an attacker sends).
        response = self.http.post("/v1/push", content=json.dumps(
            {"prev": self.prev, "changes": sent}), headers={"Content-Type": "application/json"})
        if response.status_code == 200:
            self.prev = response.json()["pushed_through"]
        return response

    def row(self, tbl: str, row_id: str) -> dict:
        """The server's row as the feed serves it."""
        answer = self.http.post("/v1/rows", json={"tbl": tbl, "ids": [row_id]}).json()
        return dict(zip(answer["columns"], answer["rows"][0], strict=True))

    def update(self, tbl: str, row_id: str, new: dict, *, base: dict | None = None,
               stamp: dict | None = None) -> httpx.Response:
        change = {"tbl": tbl, "row_id": row_id, "op": "update",
                  "base": base if base is not None else self.row(tbl, row_id), "new": new}
        if stamp:
            change["stamp"] = stamp
        return self.push(change)

    def insert(self, tbl: str, row: dict, row_id: str | None = None) -> httpx.Response:
        return self.push({"tbl": tbl, "row_id": row_id or row["id"], "op": "insert",
                          "row": row})

    def delete(self, tbl: str, row_id: str) -> httpx.Response:
        return self.push({"tbl": tbl, "row_id": row_id, "op": "delete",
                          "base": self.row(tbl, row_id)})
