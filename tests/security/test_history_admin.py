"""Issue #14: case history is corrected only by an administrator on the server
(``xjwc server amend-event``), and every workstation receives the correction."""

from __future__ import annotations

from xjwc_desktop.cli import main


def event_of(ws, case_no: str) -> str:
    return ws.scalar("SELECT e.id FROM case_events e JOIN cases c ON c.id = e.case_id "
                     "WHERE c.case_no = :n", n=case_no)


def test_an_administrator_corrects_history_on_the_server(server_url, make_server,
                                                         make_workstation, capsys):
    server = make_server(server_url)
    a, b = make_workstation(server, "甲"), make_workstation(server, "乙")
    case_no = a.new_case()
    a.sync()
    b.sync()
    event = event_of(a, case_no)
    assert main(["server", "amend-event", event, "--note", "上报人电话有误",
                 "--reason", "市民来电更正", "--db", server_url]) == 0
    assert "已更正" in capsys.readouterr().out
    a.sync()
    b.sync()
    for ws in (a, b):
        assert ws.scalar("SELECT note FROM case_events WHERE id = :i", i=event) == \
            "上报人电话有误（管理员更正：市民来电更正）"
    assert a.digests() == b.digests()
    assert main(["server", "amend-event", event, "--delete", "--reason", "重复记录",
                 "--db", server_url]) == 0
    b.sync(verify=True)
    assert b.scalar("SELECT deleted_at FROM case_events WHERE id = :i", i=event) is not None


def test_a_correction_needs_a_reason_and_a_real_event(server_url, make_server, capsys):
    make_server(server_url)
    assert main(["server", "amend-event", "nope", "--note", "x", "--reason", " ",
                 "--db", server_url]) == 2
    assert "原因" in capsys.readouterr().err
    assert main(["server", "amend-event", "nope", "--note", "x", "--reason", "r",
                 "--db", server_url]) == 2
    assert "没有编号" in capsys.readouterr().err
