"""Office servers for the sync tests: SQLite files copied from a template, or PostgreSQL
databases created on this machine's server and dropped afterwards."""

from __future__ import annotations

import shutil

import pytest

from tests.server.sync_helpers import ThreadServer, Workstation, postgres_database
from xjwc_desktop.server.database import open_server_database


@pytest.fixture(scope="session")
def server_template(tmp_path_factory):
    """A server database with the street's reference data and nothing else."""
    path = tmp_path_factory.mktemp("server-template") / "office.sqlite"
    open_server_database(str(path)).close()
    return path


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


@pytest.fixture
def sqlite_server_url(server_template, tmp_path):
    path = tmp_path / "office.sqlite"
    shutil.copyfile(server_template, path)
    return str(path)


@pytest.fixture
def make_server(tmp_path):
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
