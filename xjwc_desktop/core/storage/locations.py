"""Where a workstation keeps its database when none is named."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The folder of this user's workstation data.

    ``$XJWC_HOME``, else ``$XDG_DATA_HOME/xjwc_desktop``, else ``~/.local/share/xjwc_desktop``.
    """
    if home := os.environ.get("XJWC_HOME"):
        return Path(home).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "xjwc_desktop"


def default_database_path() -> Path:
    return data_dir() / "xjwc.sqlite"


CACHE_ENV = "XJWC_CACHE_DIR"


def cache_dir() -> Path:
    """What can be rebuilt at any time (the map page, which files were found sound).

    ``$XJWC_CACHE_DIR``, else ``$XJWC_HOME/cache``, else ``$XDG_CACHE_HOME/xjwc_desktop``,
    else ``~/.cache/xjwc_desktop``.
    """
    if folder := os.environ.get(CACHE_ENV):
        return Path(folder).expanduser()
    if home := os.environ.get("XJWC_HOME"):
        return Path(home).expanduser() / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "xjwc_desktop"
