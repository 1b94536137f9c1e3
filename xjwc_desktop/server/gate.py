"""The door every request passes before the app: the device token first, then the body.

An anonymous request is answered 401 from its headers alone and its body is never parsed.
A small declared body (at most :data:`ANONYMOUS_DRAIN`) is read and dropped first, so that
the 401 reaches the device (see :meth:`RequestGate._too_large`); a larger one is not read at
all. A body over the size limit (declared or streamed) is refused 413, and one that does
not arrive within the body timeout 408. Only then does the app (and its JSON parser) see
the request. The device found is handed to the app, which does not look it up again.
"""

from __future__ import annotations

import json
import logging

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xjwc_desktop.server import logs

#: Paths open without a token: monitoring and the API's own description.
OPEN_PATHS = frozenset({"/health", "/openapi.json"})
BODY_TIMEOUT = 60.0  # seconds for a whole request body to arrive
#: An anonymous body up to this size is drained before the 401 (a device with a wrong
#: token then reads "401", not "connection reset"), within DRAIN_TIMEOUT seconds.
ANONYMOUS_DRAIN = 64 * 1024
DRAIN_TIMEOUT = 5.0


class RequestGate:
    def __init__(self, app: ASGIApp, max_bytes: int, authenticate,
                 body_timeout: float = BODY_TIMEOUT) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.authenticate = authenticate  # token -> Device | None (blocking: a thread)
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if scope["path"] not in OPEN_PATHS:
            auth = headers.get(b"authorization", b"").decode("latin-1")
            token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
            device = await anyio.to_thread.run_sync(self.authenticate, token) if token else None
            if device is None:
                logs.log("unauthenticated", logging.WARNING, path=scope["path"],
                         client=_client(scope),
                         reason="no token" if not token else "unknown or revoked token")
                declared = headers.get(b"content-length", b"0")
                if declared.isdigit() and 0 < int(declared) <= ANONYMOUS_DRAIN:
                    await _drain(receive, None, DRAIN_TIMEOUT)
                await _answer(send, 401, "未认证：缺少或无效的设备令牌。请由管理员登记本设备"
                                         "（xjwc server add-device）。",
                              [(b"www-authenticate", b"Bearer")])
                return
            scope.setdefault("state", {})["authenticated"] = device
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        # Read the whole body before the app sees any of it (the app would read it all
        # anyway): a streamed body over the limit is refused as a declared one is.
        messages: list[Message] = []
        seen = 0
        with anyio.move_on_after(self.body_timeout) as waited:
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    messages.clear()
                    await self._too_large(scope, receive, send, message)
                    return
                if not message.get("more_body"):
                    break
        if waited.cancelled_caught:
            logs.log("body timeout", logging.WARNING, path=scope["path"],
                     client=_client(scope), seconds=self.body_timeout)
            await _answer(send, 408, f"请求内容在 {self.body_timeout:.0f} 秒内未传完，已拒绝。")
            return
        pending = iter(messages)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send,
                         last: Message | None = None) -> None:
        """Refuse a body over the limit, and make sure the device hears why.

        The rest of the body is read and thrown away first (within the body timeout, so
        memory stays flat and a device cannot hold the door longer than a slow body could).
        Answering while the device is still sending would make the server close a socket
        with unread data; TCP then resets the connection and the device may lose the 413
        it was sent, seeing only "connection closed" (as an HTTP server's lingering close
        avoids). Only an authenticated device gets here: an anonymous one is answered 401
        from its headers alone (its body drained only when small).
        """
        logs.log("request too large", logging.WARNING, path=scope.get("path"),
                 client=_client(scope), limit=self.max_bytes)
        await _drain(receive, last, self.body_timeout)
        limit_mb = self.max_bytes / 2**20
        await _answer(send, 413, f"请求过大（上限 {limit_mb:g} MB），已拒绝。")


async def _drain(receive: Receive, last: Message | None, timeout: float) -> None:
    """Read and drop the rest of a request's body (after ``last``), for at most
    ``timeout`` seconds: a socket closed with unread data resets the connection."""
    with anyio.move_on_after(timeout):
        while last is None or (last["type"] == "http.request" and last.get("more_body")):
            last = await receive()


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


async def _answer(send: Send, status: int, detail: str,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
