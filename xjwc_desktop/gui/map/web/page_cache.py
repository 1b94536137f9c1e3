"""The map page's HTML, built once and kept on disk until anything that goes into it changes.

Building the page takes folium, which imports pandas, branca and jinja2 (~0.6 s of a start
that has 1.2 s in all). The page depends only on this program's version and page code, the
map files, the language and the tile settings, so it is kept in the cache folder under a
hash of all of them: a start with nothing changed reads a file and imports no folium; a
change builds the page once and writes it (atomically: a crash leaves the old file or the
new one, never half of one).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from xjwc_desktop import __version__
from xjwc_desktop.core.geo.mapdata import MAP_FILES, resolve_maps_dir
from xjwc_desktop.core.storage.locations import cache_dir
from xjwc_desktop.gui.map.web.page import PageOptions, build_map_page, page_config

KEEP = 6  # pages kept (one per tile source and language in use, say)
#: The modules whose code shapes the HTML (the page, its colours, the basemap's transform).
SOURCES = ("xjwc_desktop.gui.map.web.page", "xjwc_desktop.gui.map.web.palette",
           "xjwc_desktop.core.geo.chinese_crs", "xjwc_desktop.core.queries.map_layers")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _file_stamp(path: Path) -> list:
    try:
        st = path.stat()
    except OSError:
        return [str(path), None]
    return [str(path), st.st_mtime_ns, st.st_size]


def page_key(options: PageOptions, config: dict) -> str:
    """A hash of everything the page's HTML is made of."""
    maps = resolve_maps_dir()
    sources = []
    for name in SOURCES:
        path = Path(sys.modules[name].__file__)
        sources.append([name, hashlib.sha256(path.read_bytes()).hexdigest()])
    parts = {
        "version": __version__,
        "folium": _version("folium"), "branca": _version("branca"),
        "sources": sources,
        "maps": [_file_stamp(maps / f"{name}.geojson") for name in MAP_FILES],
        "display": options.display,
        "config": config,  # the language's texts, the tiles, the categories, the colours
    }
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def map_page(options: PageOptions, folder: Path | None = None) -> bytes:
    """The page's HTML (UTF-8): from the cache if its inputs are unchanged, else built and
    kept. A cache that cannot be read or written only costs the build."""
    folder = folder or cache_dir()
    config = page_config(options)
    path = folder / f"map-{page_key(options, config)}.html"
    try:
        data = path.read_bytes()
        if data:
            return data
    except OSError:
        pass
    data = build_map_page(options, config).encode("utf-8")
    try:
        _write_atomically(path, data)
        _prune(folder, keep=path)
    except OSError:
        pass  # a read-only or full disk: the page still shows, built each start
    return data


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".map-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune(folder: Path, keep: Path) -> None:
    """Keep the newest :data:`KEEP` pages (and always ``keep``)."""
    pages = sorted(folder.glob("map-*.html"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in [p for p in pages if p != keep][KEEP - 1:]:
        old.unlink(missing_ok=True)
