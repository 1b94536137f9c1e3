"""Issue #14: resource limits of the office server. An anonymous body is refused from its
headers, before it is read; one push cannot flood every workstation with conflict
records; concurrent handshakes on a SQLite server wait for each other instead of failing."""

from __future__ import annotations

import resource
import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from tests.security.test_server_attacks import case_id, still_syncing
from xjwc_desktop.core.storage import migrate
from xjwc_desktop.core.sync.transport import PROTOCOL
from xjwc_desktop.server.push import MAX_CONFLICTS

MB = 2**20


def anonymous_upload(url: str, declared: int, sent: int) -> bytes:
    """Declare a body of ``declared`` bytes, send ``sent`` of them, read the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"POST /v1/push HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                     f"application/json\r\nContent-Length: {declared}\r\n\r\n".encode())
        sock.sendall(b"[" * sent)  # the start of the body; the rest never comes
        return sock.recv(4096)


def test_anonymous_60_mb_bodies_are_refused_before_they_are_read(office, tmp_path):
    server, honest, raw, case_no = office
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB, this process's peak
    for _ in range(8):
        answer = anonymous_upload(server.url, 60 * MB, 64 * 1024)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    # The server runs in this process and answered from the headers alone: it waited for
    # none of the 60 MB (the client never sends them) and its peak memory stayed put.
    assert grown_mb < 30, f"peak memory grew by {grown_mb:.0f} MB"
    still_syncing(server, honest, tmp_path, case_no)


def test_a_push_that_would_create_too_many_conflict_records_is_refused(office, tmp_path):
    server, honest, raw, case_no = office
    cid = case_id(honest, case_no)
    base = raw.row("case_events", honest.scalar(
        "SELECT id FROM case_events WHERE case_id = :c", c=cid))
    edits = [{"tbl": "case_events", "row_id": base["id"], "op": "update", "base": base,
              "new": {"note": f"改写 {i}"}} for i in range(2000)]
    response = raw.push(*edits)
    assert response.status_code == 422
    assert f"超过 {MAX_CONFLICTS} 条冲突记录" in response.json()["detail"]
    with server.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sync_conflicts")).scalar() == 0
    still_syncing(server, honest, tmp_path, case_no)


def test_concurrent_handshakes_on_a_sqlite_server_all_succeed(sqlite_server_url, make_server):
    server = make_server(sqlite_server_url)
    tokens = [server.enroll(f"终端{i}") for i in range(12)]

    def hello(i: int) -> int:
        return httpx.post(f"{server.url}/v1/hello", timeout=60, json={
            "protocol": PROTOCOL, "schema_revision": migrate.head_revision(),
            "workstation_id": f"ws-{i}"}, headers={"Authorization": f"Bearer {tokens[i]}"}
        ).status_code

    with ThreadPoolExecutor(12) as pool:
        assert list(pool.map(hello, range(12))) == [200] * 12


def test_a_too_large_body_from_an_enrolled_device_is_refused(office):
    server, honest, raw, case_no = office
    answer = raw.http.post("/v1/push", content=b"[" * (65 * MB),
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert "上限 64 MB" in answer.json()["detail"]


def test_the_api_description_lists_the_limits(sqlite_server_url, make_server):
    server = make_server(sqlite_server_url)
    description = httpx.get(f"{server.url}/openapi.json").json()["info"]["description"]
    for limit in ("64 MB", "5,000 changes", f"{MAX_CONFLICTS} new conflict records",
                  "20,000 characters", "request headers within 10 s"):
        assert limit in description


def test_a_body_that_does_not_arrive_in_time_is_refused(sqlite_server_url, tmp_path):
    from tests.server.sync_helpers import ThreadServer
    from xjwc_desktop.server.database import open_server_database

    db = open_server_database(sqlite_server_url, snapshot_dir=tmp_path / "snap")
    with ThreadServer(db, body_timeout=0.5) as server:
        token = server.enroll("慢设备")
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(f"POST /v1/hello HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer "
                         f"{token}\r\nContent-Length: 1000\r\n\r\n{{".encode())
            answer = sock.recv(4096)  # the server answers once the body timeout ran out
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    db.close()


def test_an_honest_workstation_with_many_conflicts_pushes_in_smaller_batches(
        sqlite_server_url, make_server, make_workstation, monkeypatch):
    from xjwc_desktop.server import push

    monkeypatch.setattr(push, "MAX_CONFLICTS", 5)  # the cap, small enough for a test
    server = make_server(sqlite_server_url)
    a, b = make_workstation(server, "甲"), make_workstation(server, "乙")
    cases = [a.new_case(description=f"案件 {i}") for i in range(12)]
    a.sync()
    b.sync()
    for ws in (a, b):
        with ws.db.engine.begin() as conn:
            conn.execute(text("UPDATE cases SET description = description || :w"),
                         {"w": ws.path.stem})
    a.sync()
    report = b.sync()  # 12 conflicts: refused whole at 5, then taken in batches of 3
    assert report.conflicts == 12
    assert b.scalar("SELECT count(*) FROM sync_outbox") == 0
    with server.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sync_conflicts")).scalar() == 12
    assert len(cases) == 12


def test_half_open_requests_are_closed_after_the_header_timeout(sqlite_server_url, tmp_path):
    from tests.server.sync_helpers import ThreadServer
    from xjwc_desktop.server.database import open_server_database

    db = open_server_database(sqlite_server_url, snapshot_dir=tmp_path / "snap")
    with ThreadServer(db, header_timeout=0.5) as server:
        host, port = server.url.removeprefix("http://").split(":")
        held = [socket.create_connection((host, int(port)), timeout=30) for _ in range(50)]
        try:
            for sock in held:
                sock.sendall(b"POST /v1/push HTTP/1.1\r\nHost: x\r\n")  # never finished
            # Each is closed by the server (recv returns b"" at the close, no answer).
            assert [sock.recv(4096) for sock in held] == [b""] * 50
        finally:
            for sock in held:
                sock.close()
        assert httpx.get(f"{server.url}/health").status_code == 200
    db.close()
