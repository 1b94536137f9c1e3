"""The attacks of issue #14 against a real office server (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.security.raw_device import RawDevice


@pytest.fixture
def office(server_url, make_server, make_workstation):
    """A server, an honest operator workstation with one synced case, and a raw device."""
    server = make_server(server_url)
    honest = make_workstation(server, "值班台")
    case_no = honest.new_case(description="正常的案件", address="国权东路 1 号")
    honest.sync()
    raw = RawDevice(server, "攻击者")
    yield server, honest, raw, case_no
    raw.close()
