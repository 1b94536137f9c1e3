"""案件类别维护 (administrators): time limit, unit and default department per category."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from sqlalchemy import select

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import Department, TimeLimitUnit
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow import Actor, Role, WorkflowError
from xjwc_desktop.core.workflow.categories import list_categories, update_category

COLUMNS = ["代码", "类型", "大类", "小类", "处置时限", "单位", "默认处置部门"]


class QtCategoryEditor(QDialog):
    def __init__(self, db: Database, role: Role, parent=None) -> None:
        super().__init__(parent)
        self.db, self.role = db, role
        self.setWindowTitle(tr("案件类别维护"))
        self.resize(900, 600)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Close, parent=self)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if role is not Role.ADMIN:
            layout.addWidget(QLabel(tr("只有管理员可以修改类别；当前为只读。")))
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.save_button.setEnabled(role is Role.ADMIN)
        self.load()

    def load(self) -> None:
        with self.db.session() as s:
            cats = list_categories(s)
            depts = [(d.code, d.name) for d in s.scalars(select(Department)
                                                         .order_by(Department.code))]
        self.table.setRowCount(len(cats))
        self.codes = []
        for i, cat in enumerate(cats):
            self.codes.append(cat.code)
            for col, text in enumerate((cat.code, cat.kind.label, cat.major, cat.name)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~item.flags().ItemIsEditable)
                self.table.setItem(i, col, item)
            limit = QDoubleSpinBox(self.table)
            limit.setRange(0.5, 1000)
            limit.setDecimals(1)
            limit.setValue(cat.time_limit)
            unit = QComboBox(self.table)
            for u in TimeLimitUnit:
                unit.addItem(tr(u.label), u.value)
            unit.setCurrentIndex(unit.findData(cat.time_limit_unit.value))
            dept = QComboBox(self.table)
            for code, name in depts:
                dept.addItem(name, code)
            dept.setCurrentIndex(dept.findData(cat.default_department_code))
            for col, widget in ((4, limit), (5, unit), (6, dept)):
                widget.setEnabled(self.role is Role.ADMIN)
                self.table.setCellWidget(i, col, widget)

    def save(self) -> None:
        try:
            with self.db.session() as s:
                for i, code in enumerate(self.codes):
                    update_category(
                        s, code, Actor(self.role), workstation_id=self.db.workstation_id,
                        time_limit=self.table.cellWidget(i, 4).value(),
                        time_limit_unit=self.table.cellWidget(i, 5).currentData(),
                        default_department=self.table.cellWidget(i, 6).currentData())
        except WorkflowError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(tr("已保存；新的时限用于此后立案的案件。"))
