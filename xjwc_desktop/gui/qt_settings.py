"""User settings: one typed registry with defaults, stored with QSettings (per user)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    doc: str


MAP_LAYERS = Setting("map/layers", {}, "地图图层的显示状态 {图层: 是否显示}")
MAP_VIEW = Setting("map/view", None, "上次的地图中心与缩放 {lon, lat, zoom}")
LANGUAGE = Setting("ui/language", "zh", "界面语言 zh/en")


class QtSettingsStore:
    """Reads and writes :class:`Setting` values as JSON in QSettings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._q = qsettings or QSettings("xjwc", "xjwc_desktop")

    def get(self, setting: Setting) -> Any:
        raw = self._q.value(setting.key)
        if raw is None:
            return setting.default
        try:
            return json.loads(raw)
        except (TypeError, ValueError):
            return setting.default  # a hand-edited or corrupt value falls back, not crashes

    def set(self, setting: Setting, value: Any) -> None:
        self._q.setValue(setting.key, json.dumps(value, ensure_ascii=False))

    def get_layers(self) -> dict[str, bool]:
        value = self.get(MAP_LAYERS)
        return value if isinstance(value, dict) else {}

    def sync(self) -> None:
        self._q.sync()
