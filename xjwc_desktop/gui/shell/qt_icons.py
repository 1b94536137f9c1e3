"""Toolbar and menu icons: the bundled Tabler set (resources/icons, MIT), drawn in the
palette's text colour so they follow a light or dark system theme."""

from __future__ import annotations

import functools

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from xjwc_desktop.core.resources import RESOURCES_DIR

SIZES = (16, 20, 24, 32, 48)


@functools.cache
def _icon(name: str, colour: str) -> QIcon:
    path = RESOURCES_DIR / "icons" / f"{name}.svg"
    svg = path.read_text(encoding="utf-8").replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg``."""
    app = QGuiApplication.instance()
    colour = app.palette().color(QPalette.ColorRole.WindowText).name() if app else "#202020"
    return _icon(name, colour)
