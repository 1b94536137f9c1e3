"""The attacks of issue #14 against a real office server (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil

import pytest

from tests.security.raw_device import RawDevice
from tests.server.sync_helpers import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url(request, server_template, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "office.sqlite"
        shutil.copyfile(server_template, path)
        yield str(path)
    else:
        with postgres_database() as url:
            yield url


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
