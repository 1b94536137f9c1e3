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


MAP_LAYERS = Setting("map/layers", {}, "地图图层 {图层: {visible: 是否显示, opacity: 0–1}}")
MAP_VIEW = Setting("map/view", None, "上次的地图中心（WGS84）与缩放 {lon, lat, zoom}")
CASE_STYLE = Setting("map/case_style", "status", "案件着色 status/light/source/category")
CASE_MODE = Setting("map/case_mode", "auto", "案件绘制方式 auto/points/cluster/heatmap")
TILE_SOURCE = Setting("map/tile_source", None, "底图瓦片来源（见 tile_sources.TileSource）")
LANGUAGE = Setting("ui/language", "zh", "界面语言 zh/en")
ROLE = Setting("ui/role", "intake", "我的角色（见 workflow.rules.Role 的取值）")
WINDOW_GEOMETRY = Setting("ui/window_geometry", None, "主窗口位置与大小（Qt saveGeometry，base64）")
WINDOW_STATE = Setting("ui/window_state", None, "停靠窗格与工具栏布局（Qt saveState，base64）")
CENTRAL_TAB = Setting("ui/central_tab", 0, "上次显示的中心视图：0 地图，1 统计看板，2 登记册")
SYNC_INTERVAL = Setting("sync/interval_s", 60, "后台同步间隔（秒），0 = 只在点“同步”时同步")
SYNC_AFTER_WRITE = Setting("sync/after_write_s", 5,
                           "本机修改后多少秒同步一次（秒），0 = 等下一次后台同步")


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

    def get_layers(self) -> dict[str, dict]:
        """``{layer: {"visible": bool, "opacity": float}}`` for the layers the user touched.

        Older settings stored just ``{layer: bool}``; those still count as visibility.
        """
        value = self.get(MAP_LAYERS)
        if not isinstance(value, dict):
            return {}
        layers = {}
        for key, state in value.items():
            if isinstance(state, bool):
                state = {"visible": state}
            if not isinstance(state, dict):
                continue
            clean = {}
            if isinstance(state.get("visible"), bool):
                clean["visible"] = state["visible"]
            if isinstance(state.get("opacity"), (int, float)):
                clean["opacity"] = min(1.0, max(0.0, float(state["opacity"])))
            layers[str(key)] = clean
        return layers

    def set_layer(self, key: str, **state) -> None:
        layers = self.get_layers()
        layers[key] = {**layers.get(key, {}), **state}
        self.set(MAP_LAYERS, layers)

    def get_choice(self, setting: Setting, choices: list[str]) -> str:
        value = self.get(setting)
        return value if value in choices else setting.default

    def get_seconds(self, setting: Setting) -> int:
        """A whole number of seconds ≥ 0; anything else falls back to the default."""
        value = self.get(setting)
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return value if ok else setting.default

    def sync(self) -> None:
        self._q.sync()
