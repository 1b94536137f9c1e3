"""The case detail panel: fields and history as plain-text table items (never HTML)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CaseStatus

FIELDS = [
    ("case_no", "案卷号"), ("source_label", "来源"), ("external_no", "外部工单号"),
    ("category_name", "类别"), ("status_label", "状态"), ("zone_label", "巡查区"),
    ("grid_code", "单元网格"), ("address", "地址"), ("description", "问题描述"),
    ("inspector_name", "巡查员"), ("department_name", "处置部门"),
    ("reported_at", "上报时间"), ("registered_at", "立案时间"), ("dispatched_at", "派遣时间"),
    ("handled_at", "处置时间"), ("verified_at", "核查时间"), ("closed_at", "结案时间"),
    ("deadline_at", "处置时限"), ("lon", "经度 (WGS84)"), ("lat", "纬度 (WGS84)"),
]
ACTIONS = {"report": "上报/受理", "register": "立案", "dispatch": "派遣", "handle": "处置反馈",
           "rework": "返工", "verify": "核查", "close": "结案", "void": "作废",
           "suspend": "挂账", "resume": "恢复", "extend": "延期", "escalate": "督办"}
STATUS = {s.value: s.label for s in CaseStatus}


def _readonly_table(columns: list[str], parent) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels([tr(c) for c in columns])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(len(columns) - 1,
                                                  QHeaderView.ResizeMode.Stretch)
    table.setWordWrap(True)
    return table


class QtCaseDetail(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = QLabel(tr("案件详情：在地图上点击案件或在列表中选择"), self)
        self.fields = _readonly_table(["项目", "内容"], self)
        self.fields.setColumnWidth(0, 110)
        self.history = _readonly_table(["序号", "时间", "环节", "状态", "角色"], self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.fields, 3)
        layout.addWidget(QLabel(tr("办理经过"), self))
        layout.addWidget(self.history, 2)
        self.current: dict | None = None

    def show_case(self, detail: dict | None) -> None:
        self.current = detail
        self.fields.setRowCount(0)
        self.history.setRowCount(0)
        if detail is None:
            self.title.setText(tr("案件不存在或已删除"))
            return
        self.title.setText(f"{tr('案件详情')}：{detail['case_no']}")
        for key, label in FIELDS:
            value = detail.get(key)
            if isinstance(value, str) and key.endswith("_at"):
                value = value[:16]
            self._append(self.fields, [tr(label), "" if value is None else str(value)])
        for event in detail["history"]:
            self._append(self.history, [
                str(event["seq"]), str(event["at"])[:16],
                tr(ACTIONS.get(event["action"], event["action"])),
                tr(STATUS.get(event["to_status"], event["to_status"])),
                tr(event["actor_role"])])
        self.fields.resizeRowsToContents()

    @staticmethod
    def _append(table: QTableWidget, values: list[str]) -> None:
        row = table.rowCount()
        table.insertRow(row)
        for col, text in enumerate(values):
            table.setItem(row, col, QTableWidgetItem(text))  # items are plain text
