"""Who may do what: enrolled devices only, roles and patrol zones enforced by the server,
refusals logged, tokens stored as hashes, request sizes limited, TLS."""

from __future__ import annotations

import logging
import stat

import httpx
import pytest
from sqlalchemy import text

from tests.server.sync_helpers import ThreadServer, Workstation
from xjwc_desktop.core.sync import credentials
from xjwc_desktop.core.sync.transport import HttpTransport, SchemaMismatch, SyncAuthError
from xjwc_desktop.server.database import open_server_database


@pytest.fixture
def server(sqlite_server_url, make_server):
    return make_server(sqlite_server_url)


def events(caplog, name: str) -> list[dict]:
    return [getattr(r, "fields", {}) for r in caplog.records if r.getMessage() == name]


def hello_body(ws_id: str = "ws-test", revision: str | None = None) -> dict:
    from xjwc_desktop.core.storage import migrate

    return {"protocol": 1, "schema_revision": revision or migrate.head_revision(),
            "workstation_id": ws_id}


def test_requests_without_a_valid_token_are_refused_and_logged(server, caplog):
    caplog.set_level(logging.WARNING, logger="xjwc.server")
    assert httpx.get(f"{server.url}/health").status_code == 200  # open: for monitoring
    assert httpx.get(f"{server.url}/v1/pull").status_code == 401
    response = httpx.post(f"{server.url}/v1/hello", json=hello_body(),
                          headers={"Authorization": "Bearer xjwc_forged"})
    assert response.status_code == 401
    assert "设备令牌" in response.json()["detail"]
    logged = events(caplog, "unauthenticated")
    assert [e["reason"] for e in logged] == ["no token", "unknown or revoked token"]
    assert all(e["client"] == "127.0.0.1" for e in logged)


def test_a_revoked_device_is_locked_out(server, tmp_path):
    from xjwc_desktop.server.devices import revoke_device

    token = server.enroll("旧平板")
    ws = Workstation(tmp_path / "old.sqlite", server.url, token)
    try:
        ws.sync()
        revoke_device(server.db.engine, "旧平板")
        with pytest.raises(SyncAuthError, match="401"):
            ws.sync()
    finally:
        ws.close()


def test_the_server_keeps_only_token_hashes(server, sqlite_server_url):
    token = server.enroll("值班台")
    with server.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM sync_devices")).scalar_one()
    assert token not in stored
    assert len(stored) == 64
    server.db.engine.dispose()
    with open(sqlite_server_url, "rb") as fh:
        assert token.encode() not in fh.read()


def test_a_token_serves_one_workstation_only(server, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="xjwc.server")
    token = server.enroll("值班台")
    first = Workstation(tmp_path / "first.sqlite", server.url, token)
    try:
        with pytest.raises(SyncAuthError, match="另一台工作站"):
            Workstation(tmp_path / "copy.sqlite", server.url, token)
        assert not (tmp_path / "copy.sqlite").exists()
        first.sync()  # the rightful one goes on
    finally:
        first.close()
    assert events(caplog, "forbidden")


def test_a_viewer_may_read_but_not_write(server, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="xjwc.server")
    viewer = Workstation(tmp_path / "v.sqlite", server.url, server.enroll("大屏", "viewer"))
    try:
        viewer.new_case(description="只读设备不该写")
        with pytest.raises(SyncAuthError, match="只读"):
            viewer.sync()
        with server.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 0
        assert events(caplog, "forbidden")[0]["role"] == "viewer"
    finally:
        viewer.close()


def test_an_inspector_changes_only_cases_of_its_zone(server, tmp_path):
    office = Workstation(tmp_path / "center.sqlite", server.url, server.enroll("中心"))
    north = Workstation(tmp_path / "north.sqlite", server.url,
                        server.enroll("北区平板", "inspector", "north"))
    try:
        south_case = office.new_case(description="南区案件", lon=121.5046, lat=31.3268)
        north_case = office.new_case(description="北区案件", lon=121.5046, lat=31.3400)
        office.sync()
        north.sync()
        assert north.case(north_case).zone_code.value == "north"
        north.edit(north_case, description="北区巡查员补充")
        north.edit(south_case, description="越区修改")
        report = north.sync()
        assert report.set_aside == 1
        office.sync()
        assert office.case(north_case).description == "北区巡查员补充"
        assert office.case(south_case).description == "南区案件"
        assert north.case(south_case).description == "南区案件"  # taken back locally
        with office.db.engine.connect() as conn:
            kind, detail = conn.execute(text(
                "SELECT kind, detail FROM sync_conflicts")).one()
        assert kind == "refused"
        assert "本巡查区" in detail
        # Nor may it create cases elsewhere, or touch the street's categories.
        north.new_case(description="越区新案件", lon=121.5046, lat=31.3268)
        north.sync()
        with server.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases WHERE description = "
                                     "'越区新案件'")).scalar_one() == 0
        assert north.scalar("SELECT count(*) FROM cases WHERE description = '越区新案件'") == 0
    finally:
        office.close()
        north.close()


def test_an_operator_may_not_change_the_categories(server, tmp_path):
    ws = Workstation(tmp_path / "op.sqlite", server.url, server.enroll("值班台"))
    try:
        with ws.db.engine.begin() as conn:
            conn.execute(text("UPDATE categories SET time_limit = 99 WHERE code = "
                              "(SELECT min(code) FROM categories)"))
        ws.sync()
        assert ws.scalar("SELECT count(*) FROM categories WHERE time_limit = 99") == 0
        with server.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sync_conflicts WHERE kind = "
                                     "'refused'")).scalar_one() == 1
    finally:
        ws.close()


def test_schema_mismatch_is_a_clear_refusal(server, tmp_path, monkeypatch):
    token = server.enroll("旧版本")
    transport = HttpTransport(server.url, token)
    with pytest.raises(SchemaMismatch, match="版本不一致") as refused:
        transport.hello(hello_body(revision="0003"))
    transport.close()
    assert "0003" in str(refused.value)
    ws = Workstation(tmp_path / "ws.sqlite", server.url, server.enroll("新版本"))
    try:
        case_no = ws.new_case(description="未上传")
        from xjwc_desktop.core.storage import migrate

        monkeypatch.setattr(migrate, "head_revision", lambda: "9999")
        with pytest.raises(SchemaMismatch):
            ws.sync()
        monkeypatch.undo()
        assert ws.scalar("SELECT count(*) FROM sync_outbox") == 2  # nothing lost
        ws.sync()
        assert ws.case(case_no) is not None
    finally:
        ws.close()


def test_oversized_requests_are_refused_whole(sqlite_server_url, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="xjwc.server")
    db = open_server_database(sqlite_server_url, snapshot_dir=tmp_path / "snap")
    with ThreadServer(db, max_body=64 * 1024) as server:
        token = server.enroll("值班台")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        big = b'{"tables": {}, "pad": "' + b"x" * 100_000 + b'"}'
        declared = httpx.post(f"{server.url}/v1/check", content=big, headers=headers)
        assert declared.status_code == 413

        def chunks():
            for start in range(0, len(big), 8192):
                yield big[start:start + 8192]

        streamed = httpx.post(f"{server.url}/v1/check", content=chunks(), headers=headers)
        assert streamed.status_code == 413
        assert "请求过大" in streamed.json()["detail"]
    db.close()
    assert len(events(caplog, "request too large")) == 2


def test_the_api_is_described_and_no_page_loads_a_cdn(server):
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/v1/hello", "/v1/push", "/v1/pull", "/v1/snapshot"} <= set(spec["paths"])
    # No page: an anonymous request meets the token check (401), never a page.
    docs = httpx.get(f"{server.url}/docs")
    assert docs.status_code == 401
    assert "html" not in docs.headers["content-type"]


def test_the_server_sends_no_telemetry_whatever_the_environment(monkeypatch,
                                                                  sqlite_server_url):
    """FastAPI would add OpenTelemetry exporters from these variables (to a collector the
    environment names): the office server must not send anything anywhere."""
    from xjwc_desktop.server.app import create_app

    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    db = open_server_database(sqlite_server_url)
    try:
        config = create_app(db)._telemetry  # FastAPI's own reading of its settings
    finally:
        db.close()
    assert not any(config[k] for k in ("auto_configure", "tracing", "metrics", "logs",
                                       "operation_spans"))


def test_tls_with_a_self_signed_certificate(sqlite_server_url, tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file, ca_file = (tmp_path / n for n in ("cert.pem", "key.pem", "ca.pem"))
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    db = open_server_database(sqlite_server_url, snapshot_dir=tmp_path / "snap")
    with ThreadServer(db, ssl_cert=str(cert_file), ssl_key=str(key_file)) as server:
        assert server.url.startswith("https://")
        token = server.enroll("加密台")
        with pytest.raises(SyncAuthError, match="证书"):
            Workstation(tmp_path / "untrusting.sqlite", server.url, token)
        ws = Workstation(tmp_path / "ws.sqlite", server.url, token, ca_cert=str(ca_file))
        try:
            ws.new_case(description="经 TLS 上传")
            assert ws.sync().pushed == 2
        finally:
            ws.close()
    db.close()


def test_the_token_file_is_private(monkeypatch, tmp_path):
    monkeypatch.setenv("XJWC_NO_KEYRING", "1")
    where = credentials.save_token("http://office:8765/", "ws1", "xjwc_secret")
    assert where == str(credentials.token_file())
    mode = stat.S_IMODE(credentials.token_file().stat().st_mode)
    assert mode == 0o600
    assert credentials.load_token("http://office:8765", "ws1") == "xjwc_secret"
    assert credentials.load_token("http://office:8765", "ws2") is None
