"""Issue #14: a device's push is checked against the schema and the server's own state.

Each attack is sent as raw HTTP by an enrolled device; each must be refused (with a
reason, in a conflict record, nothing stored) while the honest workstation keeps syncing
and a new workstation can still start from the server's data.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.server.sync_helpers import Workstation
from xjwc_desktop.core.ids import uuid7


def case_id(ws, case_no: str) -> str:
    return ws.scalar("SELECT id FROM cases WHERE case_no = :n", n=case_no)


def refused(response) -> dict:
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["outcome"] == "refused", result
    return result


def conflict_reasons(server) -> list[str]:
    with server.db.engine.connect() as conn:
        return [json.loads(d)["reason"] for (d,) in conn.execute(text(
            "SELECT detail FROM sync_conflicts WHERE kind = 'refused' ORDER BY created_at"))]


def still_syncing(server, honest, tmp_path, case_no: str) -> None:
    """The honest workstation syncs an edit through, and a new workstation starts from
    the server's data (every stored row serves and applies)."""
    honest.edit(case_no, description="之后的正常修改")
    honest.sync()
    fresh = Workstation(tmp_path / f"fresh-{uuid7()}.sqlite", server.url,
                        server.enroll(f"新工作站-{uuid7()[-6:]}"))
    try:
        fresh.sync(verify=True)
        assert fresh.case(case_no).description == "之后的正常修改"
        assert fresh.digests() == honest.digests()
    finally:
        fresh.close()


def test_an_infinite_longitude_is_refused(office, tmp_path):
    server, honest, raw, case_no = office
    result = refused(raw.update("cases", case_id(honest, case_no), {"lon": float("inf")}))
    assert "有限" in result["reason"]
    assert raw.row("cases", case_id(honest, case_no))["lon"] == 121.5046
    assert any("cases.lon" in r for r in conflict_reasons(server))
    still_syncing(server, honest, tmp_path, case_no)


def test_a_date_that_is_not_a_date_is_refused(office, tmp_path):
    server, honest, raw, case_no = office
    result = refused(raw.update("cases", case_id(honest, case_no),
                                {"reported_at": "not-a-date"}))
    assert "reported_at" in result["reason"]
    still_syncing(server, honest, tmp_path, case_no)


def test_a_4000_character_address_is_refused_and_the_next_edit_lands(office, tmp_path):
    server, honest, raw, case_no = office
    cid = case_id(honest, case_no)
    result = refused(raw.update("cases", cid, {"address": "长" * 4000}))
    assert "最多 200" in result["reason"]
    ok = raw.update("cases", cid, {"address": "淞沪路 2 号"})
    assert ok.json()["results"][0]["outcome"] != "refused"  # one bad change blocks nothing
    assert raw.row("cases", cid)["address"] == "淞沪路 2 号"
    still_syncing(server, honest, tmp_path, case_no)


def test_an_insert_whose_row_id_differs_is_refused(office, tmp_path):
    server, honest, raw, case_no = office
    note = {"id": uuid7(), "case_id": case_id(honest, case_no), "author": "x", "text": "备注",
            "created_at": "2026-01-01 08:00:00.000000",
            "updated_at": "2026-01-01 08:00:00.000000", "written_by": None, "deleted_at": None}
    result = refused(raw.insert("case_notes", note, row_id=uuid7()))
    assert "编号" in result["reason"]
    with server.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_notes")).scalar() == 0
    still_syncing(server, honest, tmp_path, case_no)


def test_a_photo_row_with_a_path_for_a_checksum_is_refused(office, tmp_path):
    server, honest, raw, case_no = office
    row = {"id": uuid7(), "case_id": case_id(honest, case_no), "original_name": "a.png",
           "sha256": "../../health", "media_type": "image/png", "size": 10,
           "added_at": "2026-01-01 08:00:00.000000",
           "created_at": "2026-01-01 08:00:00.000000",
           "updated_at": "2026-01-01 08:00:00.000000", "written_by": None, "deleted_at": None}
    result = refused(raw.insert("case_attachments", row))
    assert "校验值" in result["reason"]
    still_syncing(server, honest, tmp_path, case_no)


def test_the_cli_refuses_a_too_long_address_before_writing(office):
    server, honest, raw, case_no = office
    import pytest

    from xjwc_desktop.core.errors import InputError

    with pytest.raises(InputError, match="最多 200"):
        honest.edit(case_no, address="长" * 4000)
    assert honest.case(case_no).address == "国权东路 1 号"
    assert honest.scalar("SELECT count(*) FROM sync_outbox") == 0
