"""The map page's HTML is kept on disk: a start with nothing changed imports no folium
(nor pandas, branca, jinja2 behind it); any change to what goes into the page builds it anew."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from xjwc_desktop.core.geo.mapdata import MAP_FILES, resolve_maps_dir
from xjwc_desktop.core.i18n import set_language
from xjwc_desktop.gui.map.web.page import PageOptions, page_config
from xjwc_desktop.gui.map.web.page_cache import map_page, page_key

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("folium", "pandas", "branca", "jinja2")

# A fresh process: the main window on the database, until the map page is up.
SHOW_MAP = """
import json, sys, tempfile, os
from xjwc_desktop.gui.shell.qt_app import build_main_window, create_application
from xjwc_desktop.gui.shell.qt_screenshot import wait_until
from xjwc_desktop.gui.shell.qt_settings import QtSettingsStore
from xjwc_desktop.core.storage.database import open_database
from PySide6.QtCore import QSettings

app = create_application(headless=True)
db = open_database(sys.argv[1])
store = QtSettingsStore(QSettings(os.path.join(tempfile.mkdtemp(), "s.ini"),
                                  QSettings.Format.IniFormat))
window = build_main_window(db, store)
window.show()
ready = wait_until(app, lambda: window.workspace.map.is_ready, 120)
heavy = sorted(m for m in sys.argv[2].split(",") if m in sys.modules)
window.close()
db.close()
print(json.dumps({"ready": ready, "imported": heavy}))
"""


def show_map(db: Path, cache: Path) -> dict:
    env = {**os.environ, "XJWC_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", SHOW_MAP, str(db), ",".join(HEAVY)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_start_with_the_page_cached_imports_no_folium(demo_db_path, tmp_path):
    cache = tmp_path / "cache"
    first = show_map(demo_db_path, cache)  # nothing cached: the page is built
    assert first["ready"]
    assert "folium" in first["imported"]
    assert len(list(cache.glob("map-*.html"))) == 1
    again = show_map(demo_db_path, cache)
    assert again == {"ready": True, "imported": []}
    assert len(list(cache.glob("map-*.html"))) == 1


def test_the_page_is_built_again_when_what_goes_into_it_changes(tmp_path, monkeypatch):
    options = PageOptions(category_majors=("市容环境", "设施管理"))
    page = map_page(options, tmp_path)
    assert b"XJWC_CONFIG" in page
    (kept,) = tmp_path.glob("map-*.html")
    assert kept.read_bytes() == page
    stamp = kept.stat().st_mtime_ns
    assert map_page(options, tmp_path) == page  # read back, not rebuilt
    assert kept.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob(".map-*"))  # no temporary file left behind

    assert kept.name == f"map-{page_key(options, page_config(options))}.html"
    fewer = PageOptions(category_majors=("市容环境",))
    assert page_key(fewer, page_config(fewer)) != page_key(options, page_config(options))
    set_language("en")
    try:
        english = map_page(options, tmp_path)
    finally:
        set_language("zh")
    assert b'"Legend"' in english
    assert b'"Legend"' not in page
    assert len(list(tmp_path.glob("map-*.html"))) == 2

    # A map file touched (the basemap redrawn, say): a new key.
    maps = tmp_path / "maps"
    maps.mkdir()
    for name in MAP_FILES:
        (maps / f"{name}.geojson").write_bytes(
            (resolve_maps_dir() / f"{name}.geojson").read_bytes())
    monkeypatch.setenv("XJWC_MAPS_DIR", str(maps))
    before = page_key(options, page_config(options))
    boundary = maps / "boundary.geojson"
    os.utime(boundary, ns=(boundary.stat().st_atime_ns, boundary.stat().st_mtime_ns + 10**9))
    assert page_key(options, page_config(options)) != before


def test_an_unwritable_cache_still_gives_the_page(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    page = map_page(PageOptions(), blocked)
    assert b"XJWC_CONFIG" in page
