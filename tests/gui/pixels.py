"""What the map view shows, counted in pixels (numpy over the grabbed image: cheap enough
to poll with ``qtbot.waitUntil``)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage


def rgb(widget) -> np.ndarray:
    """The widget as it is on screen: an (height, width, 3) array of signed ints."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                             image.bytesPerLine())
    bgra = raw[:, :image.width() * 4].reshape(image.height(), image.width(), 4)
    return bgra[:, :, 2::-1].astype(np.int16)


def sampled(window) -> np.ndarray:
    """Every second pixel of the map view, both ways."""
    return rgb(window.workspace.map.view)[::2, ::2]


def colour_count(window, colour: str, tolerance: int = 24) -> int:
    """Pixels of the map view close to ``colour`` (every second pixel sampled)."""
    want = QColor(colour)
    diff = np.abs(sampled(window) - np.array([want.red(), want.green(), want.blue()]))
    return int((diff.sum(axis=2) < tolerance).sum())


def heat_count(window) -> int:
    """Pixels in the lime-to-cyan band of the heatmap ramp (no case colour is there)."""
    px = sampled(window)
    return int(((px[..., 1] > 200) & (px[..., 0] < 130)).sum())


def reddish(window) -> int:
    """Pixels in the hotspots' reds (r high, g and b low), every second one."""
    px = sampled(window)
    return int(((px[..., 0] > 150) & (px[..., 1] < 120) & (px[..., 2] < 120)).sum())


def dark_count(window) -> int:
    """Dark grey pixels (text) in the map view, every one."""
    px = rgb(window.workspace.map.view)
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    return int(((r < 130) & (np.abs(r - g) < 12) & (np.abs(g - b) < 12)).sum())
