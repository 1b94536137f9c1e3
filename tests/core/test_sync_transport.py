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


def test_the_tls_context_is_made_once_per_ca_file_and_again_when_the_file_changes(tmp_path):
    """Loading CAs holds the GIL ~100 ms (a stall in a window syncing every few minutes):
    each sync reuses the context, unless the operator put a new certificate in place."""
    import os
    import shutil

    import certifi

    ca = tmp_path / "office-ca.pem"
    shutil.copy(certifi.where(), ca)
    url = "https://office.example:8765"
    first = HttpTransport(url, "t", ca_cert=str(ca))
    again = HttpTransport(url, "t", ca_cert=str(ca))
    def context(t: HttpTransport):
        return t._client._transport._pool._ssl_context

    assert context(first) is context(again)
    stat = ca.stat()
    os.utime(ca, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # replaced
    renewed = HttpTransport(url, "t", ca_cert=str(ca))
    assert context(renewed) is not context(first)
    for t in (first, again, renewed):
        t.close()
