"""The dashboard's period: whole months, from a preset or two month pickers."""

from __future__ import annotations

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.reporting.periods import month_period
from xjwc_desktop.core.stats import Period


def _months_back(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + month - 1 - n
    return k // 12, k % 12 + 1


def presets(latest: tuple[int, int]) -> list[tuple[str, Period]]:
    """Periods relative to the latest month with data (not the calendar: a workstation's
    data may end long before today, as the demo's does in 2015)."""
    y, m = latest
    quarter = (m - 1) // 3 * 3 + 1
    return [
        (tr("年初至今"), month_period((y, 1), (y, m))),
        (tr("最近一个月"), month_period((y, m), (y, m))),
        (tr("本季度"), month_period((y, quarter), (y, m))),
        (tr("最近十二个月"), month_period(_months_back(y, m, 11), (y, m))),
        (tr("上一年"), month_period((y - 1, 1), (y - 1, 12))),
        (tr("全部"), Period()),
    ]


class QtPeriodSelector(QWidget):
    """Emits ``period_changed(Period)`` when a preset is chosen or 应用 is pressed."""

    period_changed = Signal(object)

    def __init__(self, period: Period, latest: tuple[int, int], parent=None) -> None:
        super().__init__(parent)
        self._presets = presets(latest)
        self.preset = QComboBox(self)
        self.preset.addItem(tr("自定义"), None)
        for label, p in self._presets:
            self.preset.addItem(label, p)
        self.first = self._month_edit()
        self.last = self._month_edit()
        self.apply = QPushButton(tr("应用"), self)
        self.apply.clicked.connect(self._apply_months)
        self.preset.activated.connect(self._apply_preset)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (QLabel(tr("统计期间"), self), self.preset, QLabel(tr("从"), self),
                       self.first, QLabel(tr("到"), self), self.last, self.apply):
            layout.addWidget(widget)
        self._period = period
        self._show(period)

    def _month_edit(self) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setDisplayFormat("yyyy年M月")
        edit.setCalendarPopup(False)
        edit.setMinimumDate(QDate(2000, 1, 1))
        edit.dateChanged.connect(lambda _d: self.preset.setCurrentIndex(0))
        return edit

    def period(self) -> Period:
        return self._period

    def set_period(self, period: Period, *, emit: bool = True) -> None:
        self._period = period
        self._show(period)
        if emit:
            self.period_changed.emit(period)

    def _show(self, period: Period) -> None:
        index = next((i + 1 for i, (_l, p) in enumerate(self._presets) if p == period), 0)
        for edit, day in ((self.first, period.start), (self.last, period.end)):
            edit.blockSignals(True)
            edit.setEnabled(day is not None or index == 0)
            if day is not None:
                edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.preset.setCurrentIndex(index)

    def _apply_preset(self, index: int) -> None:
        period = self.preset.itemData(index)
        if period is not None:
            self.set_period(period)

    def _apply_months(self) -> None:
        a, b = self.first.date(), self.last.date()
        first, last = (a.year(), a.month()), (b.year(), b.month())
        if first > last:
            first, last = last, first
        self.set_period(month_period(first, last))
