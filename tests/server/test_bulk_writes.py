"""The push's bulk statements (server/bulk.py) write what the row-by-row statements wrote:
the last of two edits of one row wins, every kind of value lands as sent, a constraint
refuses as before, and PostgreSQL never cuts a text that is too long."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from xjwc_desktop.core.storage.database import writing
from xjwc_desktop.core.sync.rows import db_values, read_rows
from xjwc_desktop.core.sync.schema import synced_table
from xjwc_desktop.server import bulk
from xjwc_desktop.server.database import open_server_database

DEPARTMENTS = synced_table("departments")


def _params(dialect: str, row_id: str, values: dict) -> dict:
    cols = tuple(values)
    return {**db_values(dialect, DEPARTMENTS, cols, [values[c] for c in cols]),
            "row_id": row_id}


@pytest.fixture
def server(server_url):
    db = open_server_database(server_url)
    yield db
    db.close()


def _two_departments(server) -> list[str]:
    with server.engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM departments ORDER BY id LIMIT 2"))
                    .scalars())


def test_the_last_of_two_edits_of_a_row_wins_and_values_land_as_sent(server):
    first, second = _two_departments(server)
    cols = ("phone", "active", "updated_at")
    with writing(server.engine) as conn:
        bulk.update_rows(conn, DEPARTMENTS, cols, [
            _params(server.dialect, first, {"phone": "1", "active": True,
                                            "updated_at": "2026-01-02 03:04:05.000000"}),
            _params(server.dialect, second, {"phone": "甲乙\\\"'%s", "active": False,
                                             "updated_at": "2026-01-02 03:04:05.000007"}),
            _params(server.dialect, first, {"phone": None, "active": False,
                                            "updated_at": "2027-12-31 23:59:59.999999"}),
        ])
    with server.engine.connect() as conn:
        rows = read_rows(conn, DEPARTMENTS, [first, second])
    got = {rid: dict(zip(DEPARTMENTS.columns, row, strict=True)) for rid, row in rows.items()}
    assert {c: got[first][c] for c in cols} == {
        "phone": None, "active": False, "updated_at": "2027-12-31 23:59:59.999999"}
    assert {c: got[second][c] for c in cols} == {
        "phone": "甲乙\\\"'%s", "active": False, "updated_at": "2026-01-02 03:04:05.000007"}


def test_a_broken_constraint_is_sqlalchemys_integrity_error(server):
    first, second = _two_departments(server)
    with server.engine.connect() as conn:
        taken = conn.execute(text("SELECT name FROM departments WHERE id = :i"),
                             {"i": second}).scalar_one()
    with pytest.raises(IntegrityError), writing(server.engine) as conn:
        bulk.update_rows(conn, DEPARTMENTS, ("name",),
                         [_params(server.dialect, first, {"name": taken})])


@pytest.mark.parametrize("server_url", ["postgresql"], indirect=True)
def test_postgresql_refuses_a_text_too_long_instead_of_cutting_it(server):
    first, _ = _two_departments(server)
    with pytest.raises(DBAPIError, match="too long"), writing(server.engine) as conn:
        bulk.update_rows(conn, DEPARTMENTS, ("phone",),
                         [_params(server.dialect, first, {"phone": "9" * 31})])
