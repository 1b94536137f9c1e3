"""A TCP proxy between a workstation and the office server that misbehaves on purpose.

It reads each HTTP request whole, then asks ``policy(method, path)`` what to do:
``forward`` it, ``drop_before`` (the server never sees it), ``drop_after`` (the server
applies it, the answer is lost), ``duplicate`` (the server gets it twice) — and it keeps a
copy of every push so a test can deliver old pushes again, late and out of order. A policy
that blocks holds its request, as a stalled network does, for as long as the test wants.
Given several upstream ports (several processes of one server), it sends each request
to the next one in turn, a duplicate included.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections.abc import Callable, Sequence


def _read_message(sock: socket.socket, head_only: bool = False) -> bytes | None:
    """One HTTP message (request or response) with a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(max(65536, length - len(rest)))
        if not chunk:
            return None
        rest += chunk
    return head + b"\r\n\r\n" + rest


def _path(request: bytes) -> str:
    return request.split(b" ", 2)[1].decode().split("?")[0]


class FaultProxy:
    def __init__(self, upstream_port: int | Sequence[int],
                 policy: Callable[[str, str], str] | None = None) -> None:
        ports = [upstream_port] if isinstance(upstream_port, int) else list(upstream_port)
        self._upstreams = itertools.cycle(ports)
        self._turn = threading.Lock()
        self.policy = policy or (lambda method, path: "forward")
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.pushes: list[bytes] = []
        self.actions: list[tuple[str, str]] = []
        self.delivered: list[str] = []  # paths of requests written whole to the server
        self._delivery = threading.Condition()
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def deliver(self, request: bytes) -> bytes | None:
        """Send a request to the server on a fresh connection; its response."""
        with self._turn:
            port = next(self._upstreams)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as up:
            up.sendall(request)
            with self._delivery:
                self.delivered.append(_path(request))
                self._delivery.notify_all()
            return _read_message(up)

    def wait_delivered(self, path: str, timeout: float = 60) -> None:
        """Until a request for ``path`` has been written whole to the server."""
        with self._delivery:
            if not self._delivery.wait_for(lambda: path in self.delivered, timeout):
                raise AssertionError(f"no request for {path} reached the server")

    def _serve(self, client: socket.socket) -> None:
        with client:
            while True:
                try:
                    request = _read_message(client)
                except OSError:
                    return
                if request is None:
                    return
                method, path = request.split(b" ", 1)[0].decode(), _path(request)
                if path == "/v1/push":
                    self.pushes.append(request)
                action = self.policy(method, path)
                self.actions.append((action, path))
                if action == "drop_before":
                    return  # the connection dies with the request unsent
                try:
                    response = self.deliver(request)
                    if action == "duplicate":
                        self.deliver(request)
                except OSError:
                    return
                if action == "drop_after" or response is None:
                    return  # applied by the server, the answer never arrives
                try:
                    client.sendall(response)
                except OSError:
                    return
