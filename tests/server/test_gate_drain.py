"""The gate reads a small anonymous body before its 401, and never a large one.

A socket closed with unread data is reset by TCP: a workstation with a wrong token then
saw "connection reset by peer" instead of the 401 telling it why (the stability check
caught it once in the server dialog's test). Driven through the ASGI interface itself, so
what the gate reads is counted exactly.
"""

from __future__ import annotations

import anyio
import pytest

from xjwc_desktop.server.gate import ANONYMOUS_DRAIN, RequestGate


def run_gate(declared: int, chunks: int):
    """An anonymous POST declaring ``declared`` bytes, sent in ``chunks`` messages."""
    piece = b"x" * (declared // chunks)
    body = [{"type": "http.request", "body": piece, "more_body": i < chunks - 1}
            for i in range(chunks)]
    read, sent = [], []

    async def receive():
        read.append(len(read))
        return body[len(read) - 1] if len(read) <= len(body) else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def never(*_args):
        raise AssertionError("the app is never reached without a token")

    scope = {"type": "http", "path": "/v1/hello", "client": ("127.0.0.1", 1),
             "headers": [(b"content-length", str(declared).encode())]}
    gate = RequestGate(never, max_bytes=10 * 2**20, authenticate=lambda _t: None)
    anyio.run(gate, scope, receive, send)
    return len(read), sent[0]["status"]


@pytest.mark.parametrize("chunks", [1, 3])
def test_a_small_anonymous_body_is_read_to_its_end_before_the_401(chunks):
    assert run_gate(2000, chunks) == (chunks, 401)


def test_a_large_anonymous_body_is_not_read_at_all():
    assert run_gate(ANONYMOUS_DRAIN + 1, 3) == (0, 401)
