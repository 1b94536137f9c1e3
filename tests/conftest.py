"""Test setup shared by every test: isolated user folders, headless Qt, demo databases.

Environment variables are set here, before anything imports Qt (Picard's conftest does
the same), so every test runs offscreen and never touches the real user's settings or data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Office servers and workstations, for tests/server and the GUI's sync tests alike.
pytest_plugins = ("tests.server.fixtures",)

_SCRATCH = Path(tempfile.mkdtemp(prefix="xjwc-tests-"))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ["XJWC_HOME"] = str(_SCRATCH / "home")
os.environ["XDG_CONFIG_HOME"] = str(_SCRATCH / "config")
os.environ["XDG_DATA_HOME"] = str(_SCRATCH / "data")
os.environ.setdefault("XJWC_LANG", "zh")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """One demo database per test session (built once, never modified)."""
    from xjwc_desktop.core.demo.generate import create_demo

    path = tmp_path_factory.mktemp("template") / "demo.sqlite"
    create_demo(path)
    path.chmod(0o444)
    return path


@pytest.fixture
def demo_db_path(demo_template, tmp_path) -> Path:
    """A private, writable copy of the demo database for one test (Anki's getEmptyCol)."""
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    path.chmod(0o644)
    return path


@pytest.fixture
def demo_db(demo_db_path):
    from xjwc_desktop.core.storage.database import open_database

    db = open_database(demo_db_path)
    yield db
    db.close()


# The GUI and sync tests share one worker under ``pytest -n N --dist loadgroup`` (what
# ``scripts/dev.sh test`` runs): one after another, as ``dev.sh stability`` checks them, while
# the other workers take the core, CLI and security tests beside them.
SERIAL_FOLDERS = ("gui", "server")


def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("xdist"):
        return
    here = Path(__file__).parent
    for item in items:
        path = Path(item.path)
        if not path.is_relative_to(here):
            continue  # a test file a test makes elsewhere (pytester)
        parts = path.relative_to(here).parts
        if parts and parts[0] in SERIAL_FOLDERS:
            item.add_marker(pytest.mark.xdist_group("window"))


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SCRATCH, ignore_errors=True)


@pytest.fixture
def frozen_clock():
    """Freeze the one clock (``core/clock.py``) for this test; ``.tick()`` moves it on."""
    from xjwc_desktop.core import clock

    with clock.using(clock.FrozenClock("2015-11-02 09:00:00")) as frozen:
        yield frozen
