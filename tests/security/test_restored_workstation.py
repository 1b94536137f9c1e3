"""Issue #14: a workstation restored from an older copy of itself syncs again, its unsent
edits renumbered after the ones the server already has, with one message saying so."""

from __future__ import annotations

import shutil

from tests.server.sync_helpers import Workstation


def test_a_workstation_restored_from_a_backup_resends_its_edits(sqlite_server_url, make_server,
                                                                tmp_path):
    server = make_server(sqlite_server_url)
    token = server.enroll("值班台")
    path = tmp_path / "ws.sqlite"
    ws = Workstation(path, server.url, token)
    first = ws.new_case(description="备份前")
    ws.sync()
    ws.close()
    shutil.copyfile(path, tmp_path / "backup.sqlite")
    ws = Workstation(path, server.url, token)
    later = ws.new_case(description="备份后，已上传")
    ws.sync()
    ws.close()
    shutil.copyfile(tmp_path / "backup.sqlite", path)  # the restore
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"ws.sqlite{suffix}").unlink(missing_ok=True)
    ws = Workstation(path, server.url, token)
    try:
        ws.edit(first, description="恢复后的修改")
        report = ws.sync()
        assert "从较早的备份恢复" in report.summary()
        assert ws.case(later).description == "备份后，已上传"  # the server's newer data
        with server.db.engine.connect() as conn:
            from sqlalchemy import text

            assert conn.execute(text("SELECT description FROM cases WHERE case_no = :n"),
                                {"n": first}).scalar() == "恢复后的修改"
        ws.edit(first, description="再一次")
        assert not ws.sync().resumed  # from now on, an ordinary sync
    finally:
        ws.close()
