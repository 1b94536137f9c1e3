"""Office servers and workstations for any test that syncs (tests/server, tests/gui).

Loaded as a plugin by the root conftest, so every folder (tests/server, tests/security,
tests/gui) sees the same fixtures; ``server_url`` runs a test on SQLite and on PostgreSQL.
The server modules (FastAPI, uvicorn) are imported inside the fixtures: every test session
loads this file, and only the tests that sync should pay for them.
"""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def server_template(tmp_path_factory):
    """A server database with the street's reference data and nothing else."""
    from xjwc_desktop.server.database import open_server_database

    path = tmp_path_factory.mktemp("server-template") / "office.sqlite"
    open_server_database(str(path)).close()
    return path


@pytest.fixture
def sqlite_server_url(server_template, tmp_path):
    path = tmp_path / "office.sqlite"
    shutil.copyfile(server_template, path)
    return str(path)


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url(request):
    """The server's database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_server_url")
    else:
        from tests.server.sync_helpers import postgres_database

        with postgres_database() as url:
            yield url


@pytest.fixture
def make_server(tmp_path):
    from tests.server.sync_helpers import ThreadServer
    from xjwc_desktop.server.database import open_server_database

    servers = []

    def make(url: str, **kw) -> ThreadServer:
        server = ThreadServer(open_server_database(url, snapshot_dir=tmp_path / "snapshots"),
                              **kw).__enter__()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.__exit__(None, None, None)
        server.db.close()


@pytest.fixture
def make_workstation(tmp_path):
    from tests.server.sync_helpers import Workstation

    made = []

    def make(server, name: str, role: str = "operator", zone: str | None = None,
             **kw) -> Workstation:
        token = server.enroll(name, role, zone)
        ws = Workstation(tmp_path / f"{name}.sqlite", server.url, token, **kw)
        made.append(ws)
        return ws

    yield make
    for ws in made:
        ws.close()
