"""Office servers for the sync tests: SQLite files copied from a template, or PostgreSQL
databases created on this machine's server and dropped afterwards.

The fixtures that other test folders need too (server_template, make_server,
make_workstation, ...) live in fixtures.py, loaded by the root conftest.
"""

from __future__ import annotations

import shutil

import pytest

from tests.server.sync_helpers import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url(request, server_template, tmp_path):
    """The server's database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "office.sqlite"
        shutil.copyfile(server_template, path)
        yield str(path)
    else:
        with postgres_database() as url:
            yield url
