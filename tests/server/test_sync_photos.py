"""Photos travel with their rows, checked by their SHA-256 at each end."""

from __future__ import annotations

import hashlib
import struct
import zlib

import httpx

from xjwc_desktop.core.model import CaseAttachment
from xjwc_desktop.core.workflow.attachments import attach_photo, files_folder, photo_path


def png(seed: int) -> bytes:
    """A real 2x2 PNG, different for every seed."""
    raw = b"".join(b"\x00" + bytes([seed % 256, 40, 90] * 2) for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_photo_reaches_the_server_and_the_other_workstation(sqlite_server_url, make_server,
                                                               make_workstation, tmp_path):
    server = make_server(sqlite_server_url)
    a, b = make_workstation(server, "甲"), make_workstation(server, "乙")
    case_no = a.new_case(description="有照片的案件")
    photo = tmp_path / "现场.png"
    photo.write_bytes(png(1))
    with a.db.write() as s:
        row = attach_photo(s, case_no, photo, files_folder(a.path),
                           workstation_id=a.db.workstation_id)
        sha = row.sha256
    a.sync()
    assert list(server.db.files_dir.glob(f"{sha}.png"))
    b.sync()
    with b.db.write() as s:
        stored = photo_path(files_folder(b.path), s.get(CaseAttachment, row.id))
    assert stored.read_bytes() == photo.read_bytes()


def test_the_server_refuses_files_that_are_not_what_they_claim(sqlite_server_url, make_server):
    server = make_server(sqlite_server_url)
    from xjwc_desktop.core.storage import migrate
    from xjwc_desktop.core.sync.transport import PROTOCOL, WORKSTATION_HEADER

    headers = {"Authorization": f"Bearer {server.enroll('甲')}", WORKSTATION_HEADER: "ws-a"}
    assert httpx.post(f"{server.url}/v1/hello", headers=headers, json={
        "protocol": PROTOCOL, "schema_revision": migrate.head_revision(),
        "workstation_id": "ws-a"}).status_code == 200
    good = png(2)
    sha = hashlib.sha256(good).hexdigest()
    wrong = httpx.put(f"{server.url}/v1/files/{sha}", content=png(3), headers=headers)
    assert wrong.status_code == 422
    text_file = b"<script>alert(1)</script>"
    fake = httpx.put(f"{server.url}/v1/files/{hashlib.sha256(text_file).hexdigest()}",
                     content=text_file, headers=headers)
    assert fake.status_code == 422
    assert "图片" in fake.json()["detail"]
    assert httpx.put(f"{server.url}/v1/files/{sha}", content=good,
                     headers=headers).status_code == 204
    assert httpx.get(f"{server.url}/v1/files/{sha}", headers=headers).content == good
    viewer = {"Authorization": f"Bearer {server.enroll('大屏', 'viewer')}"}
    other = png(4)
    assert httpx.put(f"{server.url}/v1/files/{hashlib.sha256(other).hexdigest()}",
                     content=other, headers=viewer).status_code == 403
