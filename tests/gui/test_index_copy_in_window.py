"""A window keeps a copy of its case index for the next start, and the next start uses it
without missing what was written in between (by the window or by another program)."""

from __future__ import annotations

import sqlite3

import numpy as np

from tests.gui.test_workspace_changes import page_status, settle
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.queries import case_index_copy
from xjwc_desktop.core.queries.case_columns import CORE_FIELDS, STATUS_CODES
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.storage import case_touches


def test_the_next_window_starts_from_the_copy_and_shows_what_changed_since(
        qtbot, make_window, demo_db, demo_db_path):
    first = make_window()
    settle(qtbot, first)
    ws = first.workspace
    assert ws.source.how_loaded == "read whole"
    path = case_index_copy.copy_path(demo_db)
    qtbot.waitUntil(path.exists)
    settle(qtbot, first)  # the log pruned after the save
    with demo_db.reading() as conn:
        assert case_touches.since(conn, 0).size == 0
    open_rowids = ws.source.index.cols["rowid"][
        ws.source.index.cols["status"] != STATUS_CODES.index(CaseStatus.CLOSED.value)]
    changed = [int(r) for r in open_rowids[:4]]
    first.close()

    # Between the two windows another program closes four cases.
    con = sqlite3.connect(demo_db_path)
    with con:
        con.execute(f"UPDATE cases SET status = 'closed' WHERE rowid IN "
                    f"({','.join(map(str, changed))})")
    con.close()

    second = make_window()
    settle(qtbot, second)
    source = second.workspace.source
    assert source.how_loaded == "copy + 4 cases re-read"
    whole = CaseIndex.load(demo_db.engine)
    for name in CORE_FIELDS:
        np.testing.assert_array_equal(source.index.cols[name], whole.cols[name], err_msg=name)
    closed = STATUS_CODES.index(CaseStatus.CLOSED.value)
    assert all(page_status(qtbot, second, rowid) == closed for rowid in changed)
