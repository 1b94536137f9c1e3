"""受理新案件: the intake form. Position from a click on the map, typed coordinates or the
address; after saving, a nearby open case of the same category is offered as a duplicate."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
)
from sqlalchemy import select

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CaseSource, Category
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow import Actor, NewCase, Role, create_case, link_duplicate
from xjwc_desktop.gui.qt_tasks import QtTaskRunner


class QtNewCaseDialog(QDialog):
    created = Signal(str)  # case id

    def __init__(self, db: Database, runner: QtTaskRunner, *, lon: float | None = None,
                 lat: float | None = None, parent=None) -> None:
        super().__init__(parent)
        self.db, self.runner = db, runner
        self.setWindowTitle(tr("受理新案件"))
        form = QFormLayout(self)
        self.source = QComboBox(self)
        for src in CaseSource:
            self.source.addItem(tr(src.label), src.value)
        self.category = QComboBox(self)
        with db.session() as s:
            for cat in s.scalars(select(Category).where(Category.active.is_(True))
                                 .order_by(Category.code)):
                self.category.addItem(f"{cat.major} / {cat.name}", cat.code)
        self.lon, self.lat = QLineEdit(self), QLineEdit(self)
        self.lon.setPlaceholderText(tr("经度，如 121.5046（或在地图上点选）"))
        self.lat.setPlaceholderText(tr("纬度，如 31.3268"))
        self.set_position(lon, lat)
        self.address = QLineEdit(self)
        self.address.setPlaceholderText(tr("无坐标时按地址中的小区/地点定位"))
        self.description = QPlainTextEdit(self)
        self.reporter, self.phone = QLineEdit(self), QLineEdit(self)
        for label, widget in ((tr("来源"), self.source), (tr("类别"), self.category),
                              (tr("经度 (WGS84)"), self.lon), (tr("纬度 (WGS84)"), self.lat),
                              (tr("地址"), self.address), (tr("问题描述"), self.description),
                              (tr("反映人"), self.reporter), (tr("联系电话"), self.phone)):
            form.addRow(label, widget)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.result_case: NewCase | None = None

    def set_position(self, lon: float | None, lat: float | None) -> None:
        if lon is not None and lat is not None:
            self.lon.setText(f"{lon:.6f}")
            self.lat.setText(f"{lat:.6f}")

    def _coordinates(self) -> tuple[float | None, float | None]:
        text_lon, text_lat = self.lon.text().strip(), self.lat.text().strip()
        if not text_lon and not text_lat:
            return None, None
        try:
            return float(text_lon), float(text_lat)
        except ValueError:
            raise ValueError(tr("经纬度应为数字，例如 121.5046 和 31.3268。")) from None

    def save(self) -> None:
        try:
            lon, lat = self._coordinates()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        fields = dict(source=self.source.currentData(), category=self.category.currentData(),
                      lon=lon, lat=lat, address=self.address.text().strip() or None,
                      description=self.description.toPlainText().strip() or None,
                      reporter_name=self.reporter.text().strip() or None,
                      reporter_phone=self.phone.text().strip() or None)

        def work():
            with self.db.session() as s:
                return create_case(s, workstation_id=self.db.workstation_id, **fields)

        self.buttons.setEnabled(False)
        self.runner.run(work, self._saved, self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(str(exc))

    def _saved(self, made: NewCase) -> None:
        self.result_case = made
        self.created.emit(made.case_id)
        if made.duplicates:
            self._offer_duplicate(made)
        self.accept()

    def _offer_duplicate(self, made: NewCase) -> None:
        near = made.duplicates[0]
        box = QMessageBox(QMessageBox.Icon.Question, tr("可能重复"),
                          tr("新案件 {new} 与 {dist:.0f} 米内的同类未结案件 {old} 可能重复。"
                             "关联为重复案件（作废新案件）还是保留？")
                          .replace("{new}", made.case_no).replace("{old}", near.case_no)
                          .replace("{dist:.0f}", f"{near.distance_m:.0f}"), parent=self)
        link = box.addButton(tr("关联为重复"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(tr("保留"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is link:
            self.link_as_duplicate(made, near.case_id)

    def link_as_duplicate(self, made: NewCase, original_id: str) -> None:
        with self.db.session() as s:
            link_duplicate(s, made.case_id, original_id, Actor(Role.INTAKE),
                           workstation_id=self.db.workstation_id)
        self.created.emit(made.case_id)
