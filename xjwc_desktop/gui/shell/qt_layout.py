"""The default layout for the screen the window opens on.

On first start (or 视图 → 恢复默认布局) the window takes the available screen, and the docks
take what the map can spare: the map keeps at least 55 % of the window at 1366×768 and
more on larger screens. The operator's own sizes are saved and restored after that.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

#: Shares of the window the docks take by default (narrow screens get the minimums).
LEFT_SHARE, LEFT_MIN, LEFT_MAX = 0.145, 200, 300
BOTTOM_SHARE, BOTTOM_MIN, BOTTOM_MAX = 0.22, 165, 290
PANEL_SHARE, PANEL_MIN, PANEL_MAX = 0.36, 400, 560


def fit_to_screen(window: QMainWindow) -> None:
    """Open maximised on the available area of the screen (never larger than it)."""
    screen = window.screen() or (window.windowHandle().screen() if window.windowHandle()
                                 else None)
    if screen is not None:
        area = screen.availableGeometry()
        window.resize(min(1600, area.width()), min(1000, area.height()))
    window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def _clamp(value: float, low: int, high: int) -> int:
    return int(max(low, min(high, value)))


def default_dock_sizes(window: QMainWindow) -> None:
    """Give the docks their default share of the window as it is now."""
    width, height = window.width(), window.height()
    docks = window.docks
    left = _clamp(width * LEFT_SHARE, LEFT_MIN, LEFT_MAX)
    bottom = _clamp(height * BOTTOM_SHARE, BOTTOM_MIN, BOTTOM_MAX)
    panel = _clamp((width - left) * PANEL_SHARE, PANEL_MIN, PANEL_MAX)
    window.resizeDocks([docks["panels"]], [left], Qt.Orientation.Horizontal)
    window.resizeDocks([docks["case_list"]], [bottom], Qt.Orientation.Vertical)
    window.resizeDocks([docks["case_list"], docks["case_panel"]],
                       [width - left - panel, panel], Qt.Orientation.Horizontal)
