"""Process-wide Qt settings that must be in place before QApplication exists."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def prepare_qt_environment(*, headless: bool = False,
                           screen: tuple[int, int] | None = None) -> None:
    """Pick the platform plugin and WebEngine flags; call before importing Qt widgets.

    Without a display (CI, SSH, ``xjwc screenshot``) Qt runs offscreen; ``screen`` gives
    that virtual screen a size (a screenshot then shows the window as it opens on a real
    screen of that size). Chromium refuses to start its sandbox as root, so root runs
    without it (as QtWebEngine documents).
    """
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if screen is not None:
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen_config(*screen)}"
    elif (headless or (no_display and sys.platform.startswith("linux"))) and \
            not os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen:"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    # Nothing in the page may reach the network: no background services, no DNS prefetch.
    for flag in ("--disable-background-networking", "--disable-component-update",
                 "--no-pings", "--dns-prefetch-disable"):
        if flag not in flags:
            flags = f"{flags} {flag}".strip()
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = flags
    register_scheme()


_registered = False


def _screen_config(width: int, height: int) -> str:
    """A config file for Qt's offscreen platform: one screen of this size, 96 dpi."""
    import json
    import tempfile

    folder = Path(tempfile.gettempdir()) / "xjwc-offscreen"
    folder.mkdir(exist_ok=True)
    path = folder / f"screen-{width}x{height}.json"
    path.write_text(json.dumps({"screens": [{
        "name": f"{width}x{height}", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    return str(path)


def register_scheme() -> None:
    """Declare the ``xjwc://`` scheme (Qt requires this before the application starts)."""
    global _registered
    if _registered:
        return
    # QtWebEngineWidgets must be imported before the QApplication exists (shared GL context).
    import PySide6.QtWebEngineWidgets  # noqa: F401
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme

    scheme = QWebEngineUrlScheme(b"xjwc")
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme
                    | QWebEngineUrlScheme.Flag.LocalAccessAllowed
                    | QWebEngineUrlScheme.Flag.CorsEnabled
                    | QWebEngineUrlScheme.Flag.FetchApiAllowed)
    QWebEngineUrlScheme.registerScheme(scheme)
    _registered = True
