"""What the map page may call in Python: only these slots, nothing else is exposed.

Everything arriving here comes from a web page, so it is checked before it is believed:
numbers are coerced, JSON is parsed defensively, text is truncated.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot


class QtMapBridge(QObject):
    """The one object published on the page's web channel."""

    ready = Signal(int, float)  # cases loaded, ms to load the data
    case_clicked = Signal(int)  # rowid
    box_selected = Signal(tuple)  # (x0, y0, x1, y1) in zoom-24 world pixels
    view_changed = Signal(float, float, float)  # display lon, lat, zoom (may be fractional)
    mask_applied = Signal(int, int, float)  # mask version, cases shown, ms to apply and paint
    page_failed = Signal(str)

    def __init__(self, initial_state: Callable[[], dict], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._initial_state = initial_state

    @Slot(result=str)
    def initialState(self) -> str:  # noqa: N802 (called from JavaScript)
        return json.dumps(self._initial_state())

    @Slot(int, float)
    def mapReady(self, n_cases: int, load_ms: float) -> None:  # noqa: N802
        self.ready.emit(int(n_cases), float(load_ms))

    @Slot(int)
    def caseClicked(self, rowid: int) -> None:  # noqa: N802
        self.case_clicked.emit(int(rowid))

    @Slot(str)
    def boxSelected(self, box: str) -> None:  # noqa: N802
        try:
            values = json.loads(box)
            x0, y0, x1, y1 = (int(v) for v in values)
        except (ValueError, TypeError):
            return
        self.box_selected.emit((x0, y0, x1, y1))

    @Slot(float, float, float)
    def viewChanged(self, lon: float, lat: float, zoom: float) -> None:  # noqa: N802
        self.view_changed.emit(float(lon), float(lat), float(zoom))

    @Slot(int, int, float)
    def maskApplied(self, version: int, shown: int, ms: float) -> None:  # noqa: N802
        self.mask_applied.emit(int(version), int(shown), float(ms))

    @Slot(str)
    def pageError(self, message: str) -> None:  # noqa: N802
        self.page_failed.emit(str(message)[:500])
