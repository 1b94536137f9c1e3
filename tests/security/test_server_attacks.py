"""Issue #14: a device's push is checked against the schema and the server's own state.

Each attack is sent as raw HTTP by an enrolled device; each must be refused (with a
reason, in a conflict record, nothing stored) while the honest workstation keeps syncing
and a new workstation can still start from the server's data.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.security.raw_device import RawDevice
from tests.server.sync_helpers import Workstation
from xjwc_desktop.core import clock
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.sync.transport import WORKSTATION_HEADER
from xjwc_desktop.server.push import LOST_TEXT


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


# -- authorisation from the server's own state ---------------------------------------------
NORTH = {"lon": 121.505, "lat": 31.338}


def a_note(ws, case_no: str) -> str:
    from xjwc_desktop.core.model import CaseNote

    with ws.db.write() as s:
        note = CaseNote(case_id=case_id(ws, case_no), author="值班员", text="原来的备注",
                        at=clock.now(), written_by=ws.db.workstation_id)
        s.add(note)
        s.flush()
        return note.id


def test_history_events_cannot_be_rewritten_or_deleted(office, tmp_path):
    server, honest, raw, case_no = office
    event = honest.scalar("SELECT id FROM case_events WHERE case_id = :c",
                          c=case_id(honest, case_no))
    before = raw.row("case_events", event)
    assert "只能追加" in refused(raw.update("case_events", event, {"note": "改写历史"}))["reason"]
    assert "只能追加" in refused(raw.delete("case_events", event))["reason"]
    assert raw.row("case_events", event) == before
    still_syncing(server, honest, tmp_path, case_no)


def test_an_inspector_cannot_reach_another_zone_by_naming_a_case_of_its_own(office, tmp_path):
    server, honest, raw, south_no = office
    north_no = honest.new_case(description="北区案件", **NORTH)
    note = a_note(honest, south_no)
    honest.sync()
    north = RawDevice(server, "北区巡查员", "inspector", "north")
    try:
        spoofed = {**north.row("case_notes", note), "case_id": case_id(honest, north_no)}
        result = refused(north.update("case_notes", note, {"text": "越区修改"}, base=spoofed))
        assert "本巡查区" in result["reason"]
        assert north.row("case_notes", note)["text"] == "原来的备注"
        # ... and it still edits its own zone's cases.
        ok = north.update("cases", case_id(honest, north_no), {"description": "北区巡查补充"})
        assert ok.json()["results"][0]["outcome"] != "refused"
    finally:
        north.close()
    still_syncing(server, honest, tmp_path, south_no)


def test_a_zone_claimed_in_the_stamp_is_refused(office, tmp_path):
    server, honest, raw, south_no = office
    north = RawDevice(server, "北区巡查员", "inspector", "north")
    try:
        cid = case_id(honest, south_no)
        result = refused(north.update("cases", cid, {"description": "翻转巡查区"},
                                      stamp={"zone_code": "north"}))
        assert "时间戳" in result["reason"]
        assert north.row("cases", cid)["zone_code"] == "south"
        result = refused(north.update("cases", cid, {"zone_code": "north"}))
        assert "巡查区" in result["reason"]
        assert north.row("cases", cid)["zone_code"] == "south"
    finally:
        north.close()
    still_syncing(server, honest, tmp_path, south_no)


def test_a_case_cannot_be_moved_to_the_other_zone_or_out_of_the_street(office, tmp_path):
    server, honest, raw, south_no = office
    north_no = honest.new_case(description="北区案件", **NORTH)
    honest.sync()
    north = RawDevice(server, "北区巡查员", "inspector", "north")
    try:
        cid = case_id(honest, north_no)
        result = refused(north.update("cases", cid, {"lon": 121.5046, "lat": 31.3268,
                                                     "zone_code": "south"}))
        assert "本巡查区" in result["reason"]
        result = refused(raw.update("cases", cid, {"lon": 116.397, "lat": 39.909}))
        assert "不在新江湾城街道范围内" in result["reason"]
        assert raw.row("cases", cid)["lat"] == NORTH["lat"]
        beijing = {**raw.row("cases", cid), "id": uuid7(), "case_no": "X20260101990001",
                   "lon": 116.397, "lat": 39.909, "zone_code": "north"}
        result = refused(north.insert("cases", beijing))
        assert "不在新江湾城街道范围内" in result["reason"]
    finally:
        north.close()
    still_syncing(server, honest, tmp_path, south_no)


def test_written_by_is_the_server_s_to_say(office, tmp_path):
    server, honest, raw, case_no = office
    note = {"id": uuid7(), "case_id": case_id(honest, case_no), "author": "x", "text": "冒名",
            "at": "2026-01-01 08:00:00.000000",
            "created_at": "2026-01-01 08:00:00.000000",
            "updated_at": "2026-01-01 08:00:00.000000",
            "written_by": honest.db.workstation_id, "deleted_at": None}
    assert raw.insert("case_notes", note).json()["results"][0]["outcome"] == "applied"
    assert raw.row("case_notes", note["id"])["written_by"] == raw.workstation
    raw.update("case_notes", note["id"], {"text": "再冒名"},
               stamp={"written_by": honest.db.workstation_id})
    assert raw.row("case_notes", note["id"])["written_by"] == raw.workstation
    still_syncing(server, honest, tmp_path, case_no)


def test_a_sequence_number_far_ahead_is_refused_and_not_recorded(office, tmp_path):
    server, honest, raw, case_no = office
    cid = case_id(honest, case_no)
    far = raw.push({"tbl": "cases", "row_id": cid, "op": "update",
                    "base": raw.row("cases", cid), "new": {"description": "跳号"}}, seq=2**62)
    assert far.status_code == 422
    assert "超前太多" in far.json()["detail"]
    raw.seq = 0  # the device's own numbering goes on as before
    ok = raw.update("cases", cid, {"address": "正常编号的修改"})
    assert ok.status_code == 200
    assert ok.json()["pushed_through"] == 1
    still_syncing(server, honest, tmp_path, case_no)


def test_a_copied_token_is_refused_on_every_request(office, tmp_path):
    server, honest, raw, case_no = office
    import httpx

    copied = httpx.Client(base_url=server.url, headers={
        "Authorization": f"Bearer {raw.token}", WORKSTATION_HEADER: uuid7()})
    try:
        for response in (copied.get("/v1/pull"),
                         copied.post("/v1/push", json={"prev": 0, "changes": []})):
            assert response.status_code == 403
            assert "另一台工作站" in response.json()["detail"]
    finally:
        copied.close()
    still_syncing(server, honest, tmp_path, case_no)


def test_an_edit_whose_base_names_another_row_is_refused(office, tmp_path):
    server, honest, raw, case_no = office
    other = honest.new_case(description="另一件")
    honest.sync()
    cid = case_id(honest, case_no)
    base = raw.row("cases", case_id(honest, other))
    result = refused(raw.update("cases", cid, {"description": "张冠李戴"}, base=base))
    assert "编号" in result["reason"]
    assert raw.row("cases", cid)["description"] == "正常的案件"
    still_syncing(server, honest, tmp_path, case_no)


def test_a_description_over_the_text_limit_is_refused(office, tmp_path):
    from xjwc_desktop.core.model.base import TEXT_LIMIT

    server, honest, raw, case_no = office
    cid = case_id(honest, case_no)
    result = refused(raw.update("cases", cid, {"description": "长" * (TEXT_LIMIT + 1)}))
    assert f"最多 {TEXT_LIMIT:,}" in result["reason"]
    with server.db.engine.connect() as conn:  # the record keeps a cut copy, not the text
        lost = conn.execute(text("SELECT lost FROM sync_conflicts")).scalar()
    assert len(lost) < 2 * LOST_TEXT
    ok = raw.update("cases", cid, {"description": "长" * TEXT_LIMIT})
    assert ok.json()["results"][0]["outcome"] != "refused"


def test_a_new_row_the_database_refuses_is_set_aside_alone(office, tmp_path):
    """A new row the checks let through but the database refuses (a note of a case the
    server never had) is set aside in a conflict record; the note beside it in the same
    push lands, and nothing of the refused row is counted or offered to other workstations."""
    server, honest, raw, case_no = office
    now = clock.now().strftime("%Y-%m-%d %H:%M:%S.%f")

    def note(case: str, words: str) -> dict:
        row = {"id": uuid7(), "case_id": case, "author": "测试", "at": now, "text": words,
               "created_at": now, "updated_at": now, "written_by": raw.workstation,
               "deleted_at": None}
        return {"tbl": "case_notes", "row_id": row["id"], "op": "insert", "row": row}

    orphan, kept = note(uuid7(), "没有这个案件"), note(case_id(honest, case_no), "正常备注")
    response = raw.push(orphan, kept)
    assert response.status_code == 200, response.text
    outcomes = [r["outcome"] for r in response.json()["results"]]
    assert outcomes == ["set_aside", "applied"]
    with server.db.engine.connect() as conn:
        def one(sql: str, **params):
            return conn.execute(text(sql), params).scalar()

        assert one("SELECT count(*) FROM case_notes WHERE id = :i", i=kept["row_id"]) == 1
        assert one("SELECT count(*) FROM case_notes WHERE id = :i", i=orphan["row_id"]) == 0
        assert one("SELECT count(*) FROM sync_rows WHERE row_id = :i", i=orphan["row_id"]) == 0
        assert one("SELECT total FROM sync_table_counts WHERE tbl = 'case_notes'") == \
            one("SELECT count(*) FROM case_notes")
        assert one("SELECT kind FROM sync_conflicts WHERE row_id = :i",
                   i=orphan["row_id"]) == "set_aside"
    still_syncing(server, honest, tmp_path, case_no)
