"""Talking to the office server over HTTP(S). Only this module knows there is a network.

Every failure becomes a :class:`SyncError` whose message says what happened and that the
workstation's own data is safe: offline, not enrolled, not allowed, a version mismatch.
"""

from __future__ import annotations

import functools
import hashlib
import os
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from xjwc_desktop import __version__
from xjwc_desktop.core.errors import XjwcError

if TYPE_CHECKING:
    import httpx

PROTOCOL = 1  # bumped when the sync messages change shape
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 120.0
CHUNK = 1 << 20
#: Names the workstation on every request after hello: the server checks it against the
#: workstation the device's token is bound to, so a copied token is useless elsewhere.
WORKSTATION_HEADER = "X-Xjwc-Workstation"


class SyncError(XjwcError):
    """A sync could not finish; what was applied is kept, the rest waits for the next one."""


class SyncOffline(SyncError):
    """The server cannot be reached."""

    exit_code = 4


class SyncAuthError(SyncError):
    """The device is not enrolled, its token is wrong or revoked, or it lacks the right."""

    exit_code = 5


class SchemaMismatch(SyncError):
    exit_code = 6


class ServerFailure(SyncError):
    """The server answered with an error of its own (5xx): it runs, but cannot serve."""

    exit_code = 7


class OutOfOrderPush(SyncError):
    def __init__(self, message: str, expected: int) -> None:
        super().__init__(message)
        self.expected = expected


class PushOverLimit(SyncError):
    """The server refused a whole push for going over one of its limits (``limit``)."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


def _httpx():
    """httpx, imported with the first connection: a window that never syncs never loads it."""
    import httpx

    return httpx


@functools.lru_cache(maxsize=8)
def _tls_context(ca_cert: str | None, _mtime: int) -> ssl.SSLContext:
    """One TLS context per CA file (and its version), made once per process: loading the
    system's CAs holds the GIL for 100 ms, which a window syncing every few minutes felt
    as a stall each time. A certificate file replaced on disk is loaded again. Without a CA
    file, the authorities httpx trusts by default, as before the context was kept."""
    if ca_cert:
        return ssl.create_default_context(cafile=ca_cert)
    return _httpx().create_ssl_context(trust_env=False)


class HttpTransport:
    """The office server at ``url`` (``http://`` or ``https://``), as device ``token``.

    ``ca_cert`` names a CA or self-signed certificate to trust (PEM) for a server whose
    certificate no public authority signed; otherwise the system's CAs are used.
    """

    def __init__(self, url: str, token: str, *, ca_cert: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise SyncError(f"服务器地址“{url}”须以 http:// 或 https:// 开头。")
        self.url = url.rstrip("/")
        if ca_cert and not Path(ca_cert).is_file():
            raise SyncError(f"找不到证书文件“{ca_cert}”。")
        verify: Any = False  # plain http: no TLS, nothing to verify (no redirect followed)
        if self.url.startswith("https://"):
            verify = _tls_context(ca_cert, Path(ca_cert).stat().st_mtime_ns if ca_cert else 0)
        self._client = _httpx().Client(
            base_url=self.url, verify=verify, trust_env=False,
            timeout=_httpx().Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            headers={"Authorization": f"Bearer {token}",
                     "User-Agent": f"xjwc-desktop/{__version__}"})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------
    def health(self) -> dict:
        """The server's open status, with its identity (no token sent or needed)."""
        try:
            response = self._client.get("/health", headers={"Authorization": ""})
        except _httpx().TransportError as exc:
            raise self._offline(exc) from exc
        self._raise_for(response)
        return self._checked("Health", orjson.loads(response.content))

    def hello(self, body: dict) -> dict:
        if body.get("workstation_id"):
            self._client.headers[WORKSTATION_HEADER] = body["workstation_id"]
        return self._checked("HelloAnswer", self._call("POST", "/v1/hello", body))

    def push(self, prev: int, changes: list[dict], *, inserts: list[dict] | None = None) -> dict:
        """Send changes, or ``inserts``: runs of new rows (outbox.frozen_runs)."""
        body = {"prev": prev, "changes": changes}
        if inserts:
            body["inserts"] = inserts
        return self._checked("PushAnswer", self._call("POST", "/v1/push", body))

    def _checked(self, shape: str, answer: dict) -> dict:
        """The answer, checked against its shape in messages.py (a server of another
        version, or not ours, is named as such instead of failing somewhere later).
        pydantic loads with the first answer: a window that never syncs never loads it."""
        import pydantic

        from xjwc_desktop.core.sync import messages

        model = getattr(messages, shape)
        try:
            return model.model_validate(answer).model_dump(by_alias=True)
        except pydantic.ValidationError as exc:
            raise ServerFailure(f"服务器 {self.url} 的回答格式不对（{exc.error_count()} 处），"
                                "可能不是本系统的服务器或版本不同。本机数据未改动。") from exc

    def pull(self, since: int, limit: int) -> dict:
        return self._call("GET", "/v1/pull", params={"since": since, "limit": limit})

    def check(self, tables: dict) -> dict:
        return self._call("POST", "/v1/check", {"tables": tables})

    def rows(self, tbl: str, ids: list[str]) -> dict:
        return self._call("POST", "/v1/rows", {"tbl": tbl, "ids": ids})

    def digest(self, tbl: str, after: str, limit: int) -> dict:
        return self._call("GET", f"/v1/digest/{tbl}", params={"after": after, "limit": limit})

    def missing_files(self, shas: list[str]) -> list[str]:
        return self._call("POST", "/v1/files/missing", {"sha256": shas})["missing"]

    def put_file(self, sha: str, data: bytes) -> None:
        try:
            response = self._client.put(f"/v1/files/{sha}", content=data,
                                        headers={"Content-Type": "application/octet-stream"})
        except _httpx().TransportError as exc:
            raise self._offline(exc) from exc
        self._raise_for(response)

    def get_file(self, sha: str) -> bytes | None:
        try:
            response = self._client.get(f"/v1/files/{sha}")
        except _httpx().TransportError as exc:
            raise self._offline(exc) from exc
        if response.status_code == 404:
            return None
        self._raise_for(response)
        return response.content

    def snapshot(self, target: Path) -> tuple[int, str]:
        """Download the server's snapshot into ``target``; returns (cursor, schema).

        The bytes are checked against the length and SHA-256 the server announces: a
        download cut short or damaged is refused, never used."""
        try:
            with self._client.stream("GET", "/v1/snapshot") as response:
                self._raise_for(response, streamed=True)
                digest, size = hashlib.sha256(), 0
                with open(target, "wb") as fh:
                    for chunk in response.iter_raw(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        fh.write(chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
                headers = response.headers
        except _httpx().TransportError as exc:
            raise self._offline(exc) from exc
        if (str(size) != headers.get("Content-Length")
                or digest.hexdigest() != headers.get("X-Xjwc-Sha256")):
            raise SyncOffline("下载的快照不完整或已损坏（长度或校验值不符），未使用；请重新同步。")
        return int(headers["X-Xjwc-Cursor"]), headers.get("X-Xjwc-Schema", "")

    # -- plumbing --------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict | None = None,
              params: dict | None = None) -> dict:
        try:
            response = self._client.request(
                method, path, params=params,
                content=orjson.dumps(body) if body is not None else None,
                headers={"Content-Type": "application/json"} if body is not None else None)
        except _httpx().TransportError as exc:
            raise self._offline(exc) from exc
        self._raise_for(response)
        return orjson.loads(response.content)

    def _offline(self, exc: Exception) -> SyncError:
        text = str(exc) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
            return SyncAuthError(f"无法验证服务器 {self.url} 的证书（{text}）。若服务器使用自签名"
                                 "证书，请用 --ca-cert 指定该证书。本机数据未受影响。")
        return SyncOffline(f"无法连接服务器 {self.url}（{text}）。本机的修改已保存，"
                           "恢复连接后会自动同步。")

    def _raise_for(self, response: httpx.Response, *, streamed: bool = False) -> None:
        if response.status_code < 400:
            return
        if streamed:
            response.read()
        try:
            payload = orjson.loads(response.content)
            detail = payload.get("detail", response.text)
        except orjson.JSONDecodeError:
            payload, detail = {}, response.text
        if not isinstance(detail, str):
            detail = orjson.dumps(detail).decode()
        code = response.status_code
        if code in (401, 403):
            raise SyncAuthError(f"服务器拒绝了请求（{code}）：{detail}")
        if code == 422 and isinstance(payload, dict) and "limit" in payload:
            raise PushOverLimit(f"服务器拒绝了这批修改：{detail}", str(payload["limit"]))
        if code == 409 and "expected" in payload:
            raise OutOfOrderPush(detail, int(payload["expected"]))
        if code == 409:
            raise SchemaMismatch(detail)
        if code >= 500:
            raise ServerFailure(f"服务器 {self.url} 出错（{code}）：请告知管理员查看服务器日志。"
                                "本机的修改已保存，稍后会再试。")
        raise SyncError(f"服务器不接受请求（{code}）：{detail}")
