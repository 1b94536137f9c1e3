"""受理新案件: the intake form. Position from a click on the map, typed coordinates or the
address; after saving, a nearby open case of the same category is offered as a duplicate.

Coordinates are checked as they are typed; a refusal from the core (outside the street,
an order taken in before) is shown in the form with everything typed kept.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CaseSource
from xjwc_desktop.core.operations import link_as_duplicate, take_in
from xjwc_desktop.core.queries.reference_lists import ReferenceLists
from xjwc_desktop.core.workflow import Actor, NewCase, Role
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager, failure_message


class QtNewCaseDialog(QDialog):
    created = Signal(str)  # case id (and again when it was linked as a duplicate)

    def __init__(self, tasks: QtTaskManager, reference: ReferenceLists, *,
                 lon: float | None = None, lat: float | None = None, parent=None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.setWindowTitle(tr("受理新案件"))
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        self.source = QComboBox(self)
        for src in CaseSource:
            self.source.addItem(tr(src.label), src.value)
        self.category = QComboBox(self)
        for cat in reference.active_categories():
            self.category.addItem(f"{tr(cat.major)} / {tr(cat.name)}", cat.code)
        self.lon, self.lat = QLineEdit(self), QLineEdit(self)
        self.lon.setPlaceholderText(tr("经度，如 121.5046（或在地图上点选）"))
        self.lat.setPlaceholderText(tr("纬度，如 31.3268"))
        self.set_position(lon, lat)
        self.address = QLineEdit(self)
        self.address.setMaxLength(200)
        self.address.setPlaceholderText(tr("无坐标时按地址中的小区/地点定位"))
        self.description = QPlainTextEdit(self)
        self.description.setTabChangesFocus(True)
        self.reporter, self.phone = QLineEdit(self), QLineEdit(self)
        self.reporter.setMaxLength(60)
        self.phone.setMaxLength(30)
        for label, widget in ((tr("来源"), self.source), (tr("类别"), self.category),
                              (tr("经度 (WGS84)"), self.lon), (tr("纬度 (WGS84)"), self.lat),
                              (tr("地址"), self.address), (tr("问题描述"), self.description),
                              (tr("反映人"), self.reporter), (tr("联系电话"), self.phone)):
            form.addRow(label, widget)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(tr("受理"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for edit in (self.lon, self.lat, self.address):
            edit.textChanged.connect(self._check)
        self.result_case: NewCase | None = None
        self.offer: QMessageBox | None = None
        self._check()

    def set_position(self, lon: float | None, lat: float | None) -> None:
        if lon is not None and lat is not None:
            self.lon.setText(f"{lon:.6f}")
            self.lat.setText(f"{lat:.6f}")

    def problem(self) -> str | None:
        """What is wrong with the form so far (None: it can be saved)."""
        text_lon, text_lat = self.lon.text().strip(), self.lat.text().strip()
        if not text_lon and not text_lat:
            return None if self.address.text().strip() else tr(
                "请在地图上点选位置、输入经纬度，或填写地址。")
        try:
            lon, lat = float(text_lon), float(text_lat)
        except ValueError:
            return tr("经纬度应为数字，例如 121.5046 和 31.3268。")
        if not bool(load_map_data().contains(lon, lat)):
            return tr("坐标 ({lon:.6f}, {lat:.6f}) 不在新江湾城街道范围内"
                      "（应为 WGS84 经纬度，约东经 121.489–121.525、北纬 31.310–31.348）。"
                      ).format(lon=lon, lat=lat)
        return None

    def _check(self) -> None:
        problem = self.problem()
        self.save_button.setEnabled(problem is None)
        self.message.setText(problem or "")

    def _coordinates(self) -> tuple[float | None, float | None]:
        text_lon, text_lat = self.lon.text().strip(), self.lat.text().strip()
        if not text_lon and not text_lat:
            return None, None
        return float(text_lon), float(text_lat)

    def save(self) -> None:
        if self.problem() is not None:
            return
        lon, lat = self._coordinates()
        fields = dict(source=self.source.currentData(), category=self.category.currentData(),
                      lon=lon, lat=lat, address=self.address.text().strip() or None,
                      description=self.description.toPlainText().strip() or None,
                      reporter_name=self.reporter.text().strip() or None,
                      reporter_phone=self.phone.text().strip() or None)
        self.save_button.setEnabled(False)
        self.tasks.write(lambda db: take_in(db, **fields), on_done=self._saved,
                         on_error=self._refused, initiator=self)

    def _refused(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(failure_message(exc))

    def _saved(self, made: NewCase) -> None:
        self.result_case = made
        self.created.emit(made.case_id)
        if made.duplicates:
            self._offer_duplicate(made)
        else:
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
        box.finished.connect(lambda _r: self._answered(made, near.case_id,
                                                       box.clickedButton() is link))
        self.offer = box
        box.open()

    def _answered(self, made: NewCase, original_id: str, link: bool) -> None:
        self.offer = None
        if link:
            self.link_as_duplicate(made, original_id)
        else:
            self.accept()

    def link_as_duplicate(self, made: NewCase, original_id: str) -> None:
        def linked(_result) -> None:
            self.created.emit(made.case_id)
            self.accept()

        self.tasks.write(lambda db: link_as_duplicate(db, made.case_id, original_id,
                                                      Actor(Role.INTAKE)),
                         on_done=linked, on_error=self._refused, initiator=self)
