"""The sync's HTTP transport when the office machine is off the network."""

from __future__ import annotations

import socket

import httpx
import pytest

from xjwc_desktop.core.sync import transport
from xjwc_desktop.core.sync.transport import HttpTransport, SyncOffline


@pytest.fixture
def unanswered_url():
    """An address where connections are neither accepted nor refused, as when the office's
    machine is off the network: a listener whose backlog is full."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    held = [listener]
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        held.append(filler)
    yield f"http://127.0.0.1:{port}"
    for sock in held:
        sock.close()


def test_a_server_that_never_answers_the_connection_is_offline_after_the_timeout(
        unanswered_url, monkeypatch):
    # The product's 5 s, shortened: what is tested is that the wait ends, and how.
    monkeypatch.setattr(transport, "CONNECT_TIMEOUT", 0.5)
    with HttpTransport(unanswered_url, "xjwc_token") as client, \
            pytest.raises(SyncOffline) as raised:
        client.hello({})
    assert f"无法连接服务器 {unanswered_url}（timed out）" in str(raised.value)
    assert isinstance(raised.value.__cause__, httpx.ConnectTimeout)
    assert "本机的修改已保存" in str(raised.value)
