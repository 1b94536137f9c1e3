"""Start-up imports only what the first view needs (issue #15, target 2).

The window is started the way ``xjwc --db PATH`` starts it, in a fresh interpreter, and
the third-party packages loaded by the time every layer is drawn are compared with the
list below. A new import on the start-up path fails here: either the first view needs it
(add it, saying why) or it belongs behind the command that uses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

# What the first view needs, and why.
NEEDED_AT_START = {
    "PySide6", "shiboken6", "shibokensupport", "signature_bootstrap",  # the window
    "sqlalchemy", "typing_extensions",  # the database
    "numpy",                            # the case index and the map's buffers
    "orjson",                           # the map page's data
    "shapely", "cython_runtime",        # the street's zones and grids (core/geo/mapdata)
    "xstatic",                          # Leaflet's own files, served to the page offline
}

# Never at start-up: each belongs to a command the operator has not given yet.
NEVER_AT_START = {
    "alembic", "fpdf", "openpyxl", "matplotlib", "reportlab", "docx", "pandas", "geopandas",
    "pyogrio", "fiona", "httpx", "httpcore", "fastapi", "uvicorn", "PIL", "jinja2",
    "folium", "branca", "pyproj", "certifi", "requests", "pydantic", "annotated_types",
}

PROBE = textwrap.dedent("""
    import sys
    present = set(sys.modules)  # the interpreter's own (site, .pth files): not ours
    import json, time
    from pathlib import Path
    from xjwc_desktop.gui.shell.qt_app import create_application, build_main_window
    from xjwc_desktop.core.storage.database import open_database
    from PySide6.QtCore import QSettings
    from xjwc_desktop.gui.shell.qt_settings import QtSettingsStore
    app = create_application(headless=True)
    db = open_database(Path(sys.argv[1]))
    store = QtSettingsStore(QSettings(sys.argv[2], QSettings.Format.IniFormat))
    window = build_main_window(db, store)
    window.show()
    from PySide6.QtCore import QEventLoop
    deadline = time.monotonic() + 120
    while not window.workspace.map.is_ready and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    ready = window.workspace.map.is_ready
    names = sorted({m.split(".")[0] for m in set(sys.modules) - present})
    window.close()
    db.close()
    print(json.dumps({"ready": ready, "modules": names}))
""")


def third_party(names: list[str]) -> set[str]:
    stdlib = set(sys.stdlib_module_names) | set(sys.builtin_module_names)
    return {n for n in names if n not in stdlib and not n.startswith("_")
            and n not in ("xjwc_desktop", "__main__")}


def test_start_up_imports_only_what_the_first_view_needs(demo_db_path, tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1",
           "XJWC_CACHE_DIR": str(tmp_path / "cache")}

    def start() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(demo_db_path), str(tmp_path / "s.ini")],
            capture_output=True, text=True, env=env, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    start()  # the first start ever builds the map page (folium) and caches it
    report = start()
    assert report["ready"], "the map never said it was drawn"
    loaded = third_party(report["modules"])
    assert not loaded & NEVER_AT_START, f"imported at start-up: {sorted(loaded & NEVER_AT_START)}"
    assert loaded == NEEDED_AT_START, (
        f"start-up imports changed: new {sorted(loaded - NEEDED_AT_START)}, "
        f"gone {sorted(NEEDED_AT_START - loaded)}")
