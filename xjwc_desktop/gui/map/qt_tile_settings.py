"""The tile source dialog: none (fully offline), an XYZ/WMTS URL template, or MBTiles."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.tile_sources import NO_TILES, TileSource, presets


class QtTileSettingsDialog(QDialog):
    """Edits a :class:`TileSource`; OK stays disabled while the source is unusable."""

    def __init__(self, current: TileSource = NO_TILES, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("底图瓦片来源"))
        self.kind_buttons = QButtonGroup(self)
        kinds = QHBoxLayout()
        for i, (kind, label) in enumerate((("none", "无（仅矢量底图，完全离线）"),
                                           ("xyz", "瓦片地址（XYZ/WMTS）"),
                                           ("mbtiles", "本地 MBTiles 文件"))):
            button = QRadioButton(tr(label), self)
            button.setProperty("kind", kind)
            self.kind_buttons.addButton(button, i)
            kinds.addWidget(button)
        self.preset_box = QComboBox(self)
        self.preset_box.addItem(tr("（选择预设）"), None)
        for preset in presets():
            self.preset_box.addItem(tr(preset.name), preset)
        self.preset_box.currentIndexChanged.connect(self._preset_chosen)
        self.name_edit = QLineEdit(self)
        self.urls_edit = QPlainTextEdit(self)
        self.urls_edit.setPlaceholderText(tr("每行一个地址模板，如 http://内网服务器/{z}/{x}/{y}.png"))
        self.urls_edit.setFixedHeight(70)
        self.subdomains_edit = QLineEdit(self)
        self.key_edit = QLineEdit(self)
        self.crs_box = QComboBox(self)
        self.crs_box.addItem("WGS84", "wgs84")
        self.crs_box.addItem(tr("GCJ-02（高德/腾讯等国内地图）"), "gcj02")
        self.zoom_spin = QSpinBox(self)
        self.zoom_spin.setRange(1, 22)
        self.attribution_edit = QLineEdit(self)
        self.path_edit = QLineEdit(self)
        browse = QPushButton(tr("浏览……"), self)
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit)
        path_row.addWidget(browse)
        path_box = QWidget(self)
        path_box.setLayout(path_row)
        path_row.setContentsMargins(0, 0, 0, 0)

        form = QFormLayout()
        form.addRow(tr("预设"), self.preset_box)
        form.addRow(tr("名称"), self.name_edit)
        form.addRow(tr("地址模板"), self.urls_edit)
        form.addRow(tr("子域名 {s}"), self.subdomains_edit)
        form.addRow(tr("密钥 {key}"), self.key_edit)
        form.addRow(tr("坐标系"), self.crs_box)
        form.addRow(tr("最大级别"), self.zoom_spin)
        form.addRow(tr("版权说明"), self.attribution_edit)
        form.addRow(tr("MBTiles 文件"), path_box)
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #c0392b")
        note = QLabel(tr("只有这里配置的瓦片服务器会被访问；选“无”时地图不发出任何网络请求。"),
                      self)
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(kinds)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)

        self._fill(current)
        for widget in (self.name_edit, self.subdomains_edit, self.key_edit,
                       self.attribution_edit, self.path_edit):
            widget.textChanged.connect(self._check)
        self.urls_edit.textChanged.connect(self._check)
        self.crs_box.currentIndexChanged.connect(self._check)
        self.zoom_spin.valueChanged.connect(self._check)
        self.kind_buttons.idToggled.connect(self._check)
        self._check()

    def _fill(self, source: TileSource) -> None:
        kinds = ["none", "xyz", "mbtiles"]
        self.kind_buttons.button(kinds.index(source.kind)).setChecked(True)
        self.name_edit.setText(source.name)
        self.urls_edit.setPlainText("\n".join(source.urls))
        self.subdomains_edit.setText(source.subdomains)
        self.key_edit.setText(source.key)
        self.crs_box.setCurrentIndex(max(0, self.crs_box.findData(source.crs)))
        self.zoom_spin.setValue(source.max_zoom)
        self.attribution_edit.setText(source.attribution)
        self.path_edit.setText(source.path)

    def _preset_chosen(self, _index: int) -> None:
        preset = self.preset_box.currentData()
        if preset is not None:
            self._fill(TileSource(**{**preset.to_dict(), "urls": preset.urls,
                                     "key": self.key_edit.text()}))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("选择 MBTiles 文件"), "",
                                              "MBTiles (*.mbtiles);;*")
        if path:
            self.path_edit.setText(path)
            self.kind_buttons.button(2).setChecked(True)

    def source(self) -> TileSource:
        """The source as currently filled in (valid or not)."""
        kind = self.kind_buttons.checkedButton().property("kind")
        if kind == "none":
            return NO_TILES
        urls = tuple(u.strip() for u in self.urls_edit.toPlainText().splitlines() if u.strip())
        return TileSource(kind=kind, name=self.name_edit.text().strip(),
                          urls=urls if kind == "xyz" else (),
                          subdomains=self.subdomains_edit.text().strip(),
                          key=self.key_edit.text().strip(),
                          path=self.path_edit.text().strip() if kind == "mbtiles" else "",
                          crs=self.crs_box.currentData(), max_zoom=self.zoom_spin.value(),
                          attribution=self.attribution_edit.text().strip())

    def _check(self, *_args) -> None:
        problem = self.source().validate()
        self.problem_label.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
