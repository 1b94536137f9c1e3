"""The layer panel: each map layer on/off with its opacity, and how cases are drawn."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.gui.map.web.page import CASE_MODES, CASE_STYLES, HIDDEN_AT_FIRST, LAYERS


class QtLayerPanel(QWidget):
    """Emits what the user changed; the window applies it to the page and the settings."""

    visibility_changed = Signal(str, bool)
    opacity_changed = Signal(str, float)
    style_changed = Signal(str)
    mode_changed = Signal(str)
    tiles_requested = Signal()

    def __init__(self, state: dict[str, dict], style: str, mode: str, parent=None) -> None:
        super().__init__(parent)
        self.checks: dict[str, QCheckBox] = {}
        self.sliders: dict[str, QSlider] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        grid.addWidget(QLabel(tr("图层")), 0, 0)
        grid.addWidget(QLabel(tr("不透明度")), 0, 1)
        for row, (key, title) in enumerate(LAYERS, start=1):
            layer = state.get(key, {})
            check = QCheckBox(tr(title), self)
            check.setChecked(layer.get("visible", key not in HIDDEN_AT_FIRST))
            check.toggled.connect(lambda on, k=key: self.visibility_changed.emit(k, on))
            slider = QSlider(Qt.Orientation.Horizontal, self)
            slider.setRange(0, 100)
            slider.setValue(round(100 * layer.get("opacity", 1.0)))
            slider.setMaximumWidth(110)
            slider.setToolTip(tr("不透明度"))
            slider.valueChanged.connect(
                lambda v, k=key: self.opacity_changed.emit(k, v / 100.0))
            grid.addWidget(check, row, 0)
            grid.addWidget(slider, row, 1)
            self.checks[key], self.sliders[key] = check, slider

        form = QFormLayout()
        self.style_box = QComboBox(self)
        for value, label in CASE_STYLES:
            self.style_box.addItem(tr(label), value)
        self.style_box.setCurrentIndex(max(0, self.style_box.findData(style)))
        self.style_box.currentIndexChanged.connect(
            lambda _i: self.style_changed.emit(self.style_box.currentData()))
        self.mode_box = QComboBox(self)
        for value, label in CASE_MODES:
            self.mode_box.addItem(tr(label), value)
        self.mode_box.setCurrentIndex(max(0, self.mode_box.findData(mode)))
        self.mode_box.currentIndexChanged.connect(
            lambda _i: self.mode_changed.emit(self.mode_box.currentData()))
        form.addRow(tr("案件着色"), self.style_box)
        form.addRow(tr("案件显示"), self.mode_box)

        self.tiles_button = QPushButton(tr("底图瓦片来源……"), self)
        self.tiles_button.clicked.connect(self.tiles_requested)
        self.tiles_label = QLabel(self)
        self.tiles_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(self.tiles_button)
        layout.addWidget(self.tiles_label)
        layout.addStretch(1)

    def set_tiles(self, name: str | None) -> None:
        """Say which tile source is in use; the tiles row only means something with one."""
        self.tiles_label.setText(tr("当前：") + (name or tr("无（仅矢量底图，完全离线）")))
        self.checks["tiles"].setEnabled(name is not None)
        self.sliders["tiles"].setEnabled(name is not None)

    def labels(self) -> list[str]:
        return [check.text() for check in self.checks.values()]
