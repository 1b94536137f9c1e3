"""What the map page may call in Python: only these slots, nothing else is exposed."""

from __future__ import annotations

import json

from PySide6.QtCore import QObject, Signal, Slot


class QtMapBridge(QObject):
    """The one object published on the page's web channel."""

    ready = Signal(int, float)  # cases drawn, ms to load the data
    case_clicked = Signal(int)  # rowid
    layers_changed = Signal(dict)
    view_changed = Signal(float, float, int)
    page_failed = Signal(str)
    cases_reloaded = Signal(int)

    def __init__(self, initial_state: dict, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._initial_state = initial_state

    @Slot(result=str)
    def initialState(self) -> str:  # noqa: N802 (called from JavaScript)
        return json.dumps(self._initial_state)

    @Slot(int, float)
    def mapReady(self, n_cases: int, load_ms: float) -> None:  # noqa: N802
        self.ready.emit(n_cases, load_ms)

    @Slot(int)
    def caseClicked(self, rowid: int) -> None:  # noqa: N802
        self.case_clicked.emit(int(rowid))

    @Slot(str)
    def layersChanged(self, state: str) -> None:  # noqa: N802
        try:
            parsed = json.loads(state)
        except ValueError:
            return
        if isinstance(parsed, dict):
            self.layers_changed.emit({str(k): bool(v) for k, v in parsed.items()})

    @Slot(float, float, int)
    def viewChanged(self, lon: float, lat: float, zoom: int) -> None:  # noqa: N802
        self.view_changed.emit(lon, lat, zoom)

    @Slot(int)
    def casesReloaded(self, n_cases: int) -> None:  # noqa: N802
        self.cases_reloaded.emit(n_cases)

    @Slot(str)
    def pageError(self, message: str) -> None:  # noqa: N802
        self.page_failed.emit(message[:500])
