"""案件类别维护 (administrators): time limit, unit and default department per category."""

from __future__ import annotations

from PySide6.QtCore import Qt
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

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CategoryKind, TimeLimitUnit
from xjwc_desktop.core.operations import edit_categories
from xjwc_desktop.core.queries.reference_lists import ReferenceLists
from xjwc_desktop.core.workflow import Actor, Role
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager, failure_message

COLUMNS = ["代码", "类型", "大类", "小类", "处置时限", "单位", "默认处置部门"]


class QtCategoryEditor(QDialog):
    def __init__(self, tasks: QtTaskManager, reference: ReferenceLists, role: Role,
                 parent=None) -> None:
        super().__init__(parent)
        self.tasks, self.role = tasks, role
        self.setWindowTitle(tr("案件类别维护"))
        self.resize(900, 600)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
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
        self.show_lists(reference)

    def show_lists(self, reference: ReferenceLists) -> None:
        cats = reference.categories
        departments = [(code, name) for code, name, _active in reference.departments]
        kinds = {k.value: k.label for k in CategoryKind}
        self.table.setRowCount(len(cats))
        self.codes = []
        for i, cat in enumerate(cats):
            self.codes.append(cat.code)
            for col, text in enumerate((cat.code, tr(kinds.get(cat.kind, cat.kind)),
                                        tr(cat.major), tr(cat.name))):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(i, col, item)
            limit = QDoubleSpinBox(self.table)
            limit.setRange(0.5, 1000)
            limit.setDecimals(1)
            limit.setValue(cat.time_limit)
            unit = QComboBox(self.table)
            for u in TimeLimitUnit:
                unit.addItem(tr(u.label), u.value)
            unit.setCurrentIndex(unit.findData(cat.time_limit_unit))
            dept = QComboBox(self.table)
            for code, name in departments:
                dept.addItem(tr(name), code)
            dept.setCurrentIndex(dept.findData(cat.default_department))
            for col, widget in ((4, limit), (5, unit), (6, dept)):
                widget.setEnabled(self.role is Role.ADMIN)
                self.table.setCellWidget(i, col, widget)
        self.table.resizeColumnsToContents()

    def edits(self) -> dict[str, dict]:
        return {code: {"time_limit": self.table.cellWidget(i, 4).value(),
                       "time_limit_unit": self.table.cellWidget(i, 5).currentData(),
                       "default_department": self.table.cellWidget(i, 6).currentData()}
                for i, code in enumerate(self.codes)}

    def save(self) -> None:
        edits, actor = self.edits(), Actor(self.role)
        self.save_button.setEnabled(False)

        def saved(_r) -> None:
            self.save_button.setEnabled(True)
            self.message.setText(tr("已保存；新的时限用于此后立案的案件。"))

        def refused(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.message.setText(failure_message(exc))

        self.tasks.write(lambda db: edit_categories(db, actor, edits), on_done=saved,
                         on_error=refused, initiator=self)
