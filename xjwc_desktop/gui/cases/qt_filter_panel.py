"""The filter panel: the case view's filter, for the map and the list together.

What the operator sets here becomes the case view's filter; a filter set elsewhere (a bar
of the dashboard, a hotspot) is shown here. The count under it follows the case view's
mask, so it says what the map and the list show.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from PySide6.QtCore import QDate, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core import clock
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CaseSource, CaseStatus, ZoneCode
from xjwc_desktop.core.queries.case_columns import Reference
from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.cases.qt_category_box import category_box, fill_category_box
from xjwc_desktop.gui.shell.qt_flow_layout import flow_box

TEXT_DELAY_MS = 400  # typing pauses this long before the search runs


def _checks(values: list[tuple[str, str]], on_change) -> tuple[QWidget, dict]:
    """Check boxes that wrap to the width of the dock."""
    checks = {}
    for value, label in values:
        check = QCheckBox(label)
        check.toggled.connect(on_change)
        checks[value] = check
    return flow_box(list(checks.values())), checks


class QtFilterPanel(QWidget):
    """Status, source, category, zone, unit grid, department, report dates and text.

    Nothing ticked in a group means "any". Every change emits ``filter_changed`` at once,
    except typing, which waits for a pause.
    """

    filter_changed = Signal(object)  # CaseFilter

    def __init__(self, view: CaseView, grid_codes: list[str], parent=None) -> None:
        super().__init__(parent)
        self.view = view
        self._quiet = False
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Labels above their fields: the dock stays narrow and nothing is cut.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setVerticalSpacing(4)
        status_box, self.status_checks = _checks(
            [(s.value, tr(s.label)) for s in CaseStatus], self._changed)
        form.addRow(tr("状态"), status_box)
        source_box, self.source_checks = _checks(
            [(s.value, tr(s.label)) for s in CaseSource], self._changed)
        form.addRow(tr("来源"), source_box)

        self.category_box = category_box(None, self)
        self.category_box.currentIndexChanged.connect(self._changed)
        form.addRow(tr("类别"), self.category_box)

        self.zone_box = QComboBox(self)
        self.zone_box.addItem(tr("全部"), None)
        for z in ZoneCode:
            self.zone_box.addItem(tr(z.label), z.value)
        self.zone_box.currentIndexChanged.connect(self._changed)
        form.addRow(tr("巡查区"), self.zone_box)

        self.grid_edit = QLineEdit(self)
        self.grid_edit.setPlaceholderText(tr("编码或前缀，如 310110020001"))
        completer = QCompleter(QStringListModel(grid_codes, self), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.grid_edit.setCompleter(completer)
        self.grid_edit.textChanged.connect(self._changed)
        form.addRow(tr("单元网格"), self.grid_edit)

        self.department_box = QComboBox(self)
        self.set_reference(None)
        self.department_box.currentIndexChanged.connect(self._changed)
        form.addRow(tr("处置部门"), self.department_box)

        self.date_check = QCheckBox(tr("限定上报日期"), self)
        self.date_from = QDateEdit(self)
        self.date_to = QDateEdit(self)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(self._changed)
        dates = flow_box([self.date_from, QLabel("–"), self.date_to])
        self.date_check.toggled.connect(self._dates_toggled)
        form.addRow(self.date_check)
        form.addRow(tr("上报日期"), dates)

        self.text_edit = QLineEdit(self)
        self.text_edit.setPlaceholderText(tr("案卷号、工单号、地址或描述中的文字"))
        self.text_edit.setClearButtonEnabled(True)
        self._text_timer = QTimer(self, singleShot=True, interval=TEXT_DELAY_MS)
        self._text_timer.timeout.connect(self._changed)
        self.text_edit.textChanged.connect(lambda _t: self._text_timer.start())
        self.text_edit.returnPressed.connect(self._changed)
        form.addRow(tr("关键词"), self.text_edit)

        self.reset_button = QPushButton(tr("清除筛选"), self)
        self.reset_button.clicked.connect(self.reset)
        self.count_label = QLabel(self)
        self.count_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.reset_button)
        layout.addWidget(self.count_label)
        layout.addStretch(1)
        today = clock.today()
        self.set_date_span(today - dt.timedelta(days=30), today)

        self.filter_changed.connect(view.set_filter)
        view.events.filter.connect(self._on_filter)
        view.events.mask.connect(self._on_mask)

    def set_reference(self, reference: Reference | None) -> None:
        """The categories and departments offered (from the case index, kept current)."""
        self._quiet = True
        try:
            fill_category_box(self.category_box, reference)
            chosen = self.department_box.currentData()
            self.department_box.clear()
            self.department_box.addItem(tr("全部"), ())
            self.department_box.addItem(tr("未派遣（无部门）"), ("",))
            for _id, code, name in reference.departments if reference else ():
                self.department_box.addItem(tr(name), (code,))
            found = self.department_box.findData(chosen) if chosen is not None else -1
            self.department_box.setCurrentIndex(max(found, 0))
        finally:
            self._quiet = False

    def _on_filter(self, flt: CaseFilter) -> None:
        if flt != self.current_filter():
            # A filter these lists cannot show (several categories, say) still applies.
            with contextlib.suppress(ValueError):
                self.set_filter(flt, emit=False)

    def _on_mask(self, mask, _version) -> None:
        if mask is not None:
            self.set_count(int(mask.sum()), int(mask.size))

    # -- reading --
    def current_filter(self) -> CaseFilter:
        grid = self.grid_edit.text().strip()
        dated = self.date_check.isChecked()
        return CaseFilter(
            statuses=tuple(v for v, c in self.status_checks.items() if c.isChecked()),
            sources=tuple(v for v, c in self.source_checks.items() if c.isChecked()),
            zone=self.zone_box.currentData(),
            categories=tuple(self.category_box.currentData() or ()),
            grid=grid or None,
            departments=tuple(self.department_box.currentData() or ()),
            date_from=self.date_from.date().toPython() if dated else None,
            date_to=self.date_to.date().toPython() if dated else None,
            text=self.text_edit.text().strip(),
        )

    # -- changing --
    def set_filter(self, flt: CaseFilter, *, emit: bool = True) -> None:
        """Show ``flt`` in the panel and apply it once (e.g. a hotspot chosen elsewhere).

        Categories and departments take what the lists offer (a major, one category, one
        department or "none"); a combination the lists cannot show is not applied.
        """
        def pick(box, value) -> bool:
            found = [i for i in range(box.count()) if box.itemData(i) == value]
            if found:
                box.setCurrentIndex(found[0])
            return bool(found)

        self._quiet = True
        try:
            for value, check in self.status_checks.items():
                check.setChecked(value in flt.statuses)
            for value, check in self.source_checks.items():
                check.setChecked(value in flt.sources)
            ok = pick(self.category_box, tuple(flt.categories))
            ok &= pick(self.zone_box, flt.zone)
            ok &= pick(self.department_box, tuple(flt.departments))
            self.grid_edit.setText(flt.grid or "")
            dated = flt.date_from is not None or flt.date_to is not None
            self.date_check.setChecked(dated)
            if flt.date_from:
                self.date_from.setDate(QDate(flt.date_from.year, flt.date_from.month,
                                             flt.date_from.day))
            if flt.date_to:
                self.date_to.setDate(QDate(flt.date_to.year, flt.date_to.month, flt.date_to.day))
            self.text_edit.setText(flt.text)
            self._text_timer.stop()
        finally:
            self._quiet = False
        if not ok:
            raise ValueError(f"the filter panel cannot show {flt!r}")
        if emit:
            self._changed()

    def set_date_span(self, first: dt.date, last: dt.date) -> None:
        """The range the date fields offer and start at (the data's first and last day)."""
        self._quiet = True
        for edit in (self.date_from, self.date_to):
            edit.setDateRange(QDate(first.year, first.month, first.day),
                              QDate(last.year, last.month, last.day))
        self.date_from.setDate(QDate(first.year, first.month, first.day))
        self.date_to.setDate(QDate(last.year, last.month, last.day))
        self._quiet = False

    def set_searching(self, running: bool) -> None:
        """A keyword search runs in the background (the count follows when it is done)."""
        if running:
            self.count_label.setText(tr("正在搜索……"))

    def set_count(self, shown: int, total: int) -> None:
        self.count_label.setText(tr("符合条件 {shown} 件，共 {total} 件")
                                 .replace("{shown}", f"{shown:,}").replace("{total}", f"{total:,}"))

    def reset(self) -> None:
        self._quiet = True
        for check in (*self.status_checks.values(), *self.source_checks.values()):
            check.setChecked(False)
        for box in (self.category_box, self.zone_box, self.department_box):
            box.setCurrentIndex(0)
        self.grid_edit.clear()
        self.date_check.setChecked(False)
        self.text_edit.clear()
        self._text_timer.stop()
        self._quiet = False
        self._changed()

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self._changed()

    def _changed(self, *_args) -> None:
        if not self._quiet:
            self.filter_changed.emit(self.current_filter())
