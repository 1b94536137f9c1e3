"""The case widgets on their own (no main window): the case panel and its step forms, the
intake form, the due list, the category editor — each on the real task manager."""

from __future__ import annotations

import datetime as dt

import pytest

from xjwc_desktop.core.operations import take_in
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.workflow import Action, Role
from xjwc_desktop.core.workspace.case_view import CaseView


class Kit:
    """A task manager, a case view and the reference lists, as the window has them."""

    def __init__(self, qtbot, db) -> None:
        from xjwc_desktop.gui.cases.qt_reference import QtReference
        from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

        self.qtbot, self.db = qtbot, db
        self.tasks = QtTaskManager(db)
        self.view = CaseView()
        self.reference = QtReference(self.tasks)
        self.reference.load()
        qtbot.waitUntil(lambda: self.reference.loaded)

    def panel(self):
        from xjwc_desktop.gui.cases.qt_case_panel import QtCasePanel

        panel = QtCasePanel(self.tasks, self.view, self.reference)
        self.qtbot.addWidget(panel)
        panel.show()
        return panel

    def show(self, panel, case_id: str) -> None:
        self.view.show(CaseRef(case_id=case_id))
        self.qtbot.waitUntil(lambda: panel.snapshot is not None
                             and panel.snapshot.case_id == case_id)

    def step(self, panel, role: Role, action: Action, expected: str, *, note: str = "",
             department: str | None = None, hours: float | None = None):
        """As ``role``, press ``action``, fill in its form, press its OK; check the state."""
        self.view.set_role(role)
        button = panel.steps.buttons[action]
        assert button.isVisible(), (role, action)
        assert button.isEnabled(), (role, action)
        button.click()
        dialog = panel.dialog
        if department is not None:
            index = dialog.department.findText(department)
            assert index >= 0, department
            dialog.department.setCurrentIndex(index)
        if hours is not None:
            dialog.hours.setValue(hours)
        dialog.note.setPlainText(note)
        assert dialog.ok.isEnabled(), dialog.message.text()
        dialog.ok.click()
        self.qtbot.waitUntil(lambda: panel.snapshot.status.value == expected
                             and self.tasks.idle)
        assert panel.dialog is None  # the form closed itself (and is gone)


@pytest.fixture
def kit(qtbot, demo_db):
    made = Kit(qtbot, demo_db)
    yield made
    made.tasks.shutdown()


def new_case(db, **kw) -> str:
    fields = dict(source="12345热线", category="暴露垃圾", lon=121.5046, lat=31.3268,
                  description="公园门口垃圾", at=dt.datetime(2026, 11, 23, 10, 0))
    fields.update(kw)
    return take_in(db, **fields).case_id


def test_buttons_follow_state_and_role(kit, demo_db):
    panel = kit.panel()
    assert not any(b.isVisible() for b in panel.steps.buttons.values())  # nothing on show
    kit.show(panel, new_case(demo_db))
    kit.view.set_role(Role.INTAKE)
    assert panel.steps.buttons[Action.REGISTER].isEnabled()
    assert panel.steps.buttons[Action.VOID].isEnabled()
    assert not panel.steps.buttons[Action.DISPATCH].isVisible()
    kit.view.set_role(Role.DEPARTMENT)
    assert not panel.steps.buttons[Action.REGISTER].isEnabled()
    assert "受理员" in panel.steps.hint.text()  # who can, instead


def test_walk_the_loop_with_rework_by_clicking(kit, demo_db):
    panel = kit.panel()
    case_id = new_case(demo_db)
    kit.show(panel, case_id)
    for role, action, answers, expected in [
            (Role.INTAKE, Action.REGISTER, {}, "registered"),
            (Role.DISPATCHER, Action.DISPATCH, {"department": "作业队/保洁服务社"}, "dispatched"),
            (Role.DEPARTMENT, Action.HANDLE, {}, "handled"),
            (Role.INSPECTOR, Action.REWORK, {"note": "仍有垃圾"}, "dispatched"),
            (Role.DEPARTMENT, Action.HANDLE, {}, "handled"),
            (Role.INSPECTOR, Action.VERIFY, {}, "verified"),
            (Role.SUPERVISOR, Action.CLOSE, {}, "closed")]:
        kit.step(panel, role, action, expected, **answers)
    # 办理经过 names every step and keeps the reason given.
    assert panel.history.actions_shown() == ["受理", "立案", "派遣", "处置反馈", "返工",
                                             "处置反馈", "核查通过", "结案"]
    rework = panel.history.actions_shown().index("返工")
    assert panel.history.item(rework, 4).text() == "仍有垃圾"
    assert panel.history.item(2, 3).text() == "作业队/保洁服务社"


def test_a_form_validates_as_it_is_typed_and_keeps_what_was_typed(kit, demo_db):
    panel = kit.panel()
    case_id = new_case(demo_db)
    kit.show(panel, case_id)
    kit.view.set_role(Role.INTAKE)
    panel.steps.buttons[Action.VOID].click()
    dialog = panel.dialog
    assert not dialog.ok.isEnabled()  # 作废 needs a reason
    assert "说明" in dialog.message.text()
    dialog.note.setPlainText("重复反映")
    assert dialog.ok.isEnabled()
    assert dialog.message.text() == ""
    assert dialog.ok.text() == "不予立案/作废"  # the button names the action
    dialog.reject()
    assert panel.snapshot.status.value == "reported"  # nothing written


def test_dispatch_offers_the_categorys_own_department(kit, demo_db):
    panel = kit.panel()
    case_id = new_case(demo_db, category="违法搭建")  # 城管's, unlike 暴露垃圾
    kit.show(panel, case_id)
    kit.step(panel, Role.INTAKE, Action.REGISTER, "registered")
    kit.view.set_role(Role.DISPATCHER)
    panel.steps.buttons[Action.DISPATCH].click()
    own = kit.reference.lists.category(_code(demo_db, case_id))
    assert own.default_department != "sanitation"
    assert panel.dialog.department.currentData() == own.default_department
    panel.dialog.reject()
    garbage = new_case(demo_db)
    kit.show(panel, garbage)
    kit.step(panel, Role.INTAKE, Action.REGISTER, "registered")
    kit.view.set_role(Role.DISPATCHER)
    panel.steps.buttons[Action.DISPATCH].click()
    assert panel.dialog.department.currentText() == "作业队/保洁服务社"
    panel.dialog.reject()


def _code(db, case_id: str) -> str:
    with db.reading() as conn:
        return conn.exec_driver_sql("SELECT category_code FROM cases WHERE id = ?",
                                    (case_id,)).scalar_one()


def test_an_extension_approval_shows_what_was_requested(kit, demo_db):
    panel = kit.panel()
    case_id = new_case(demo_db, lon=121.4990, lat=31.3390)
    kit.show(panel, case_id)
    kit.step(panel, Role.INTAKE, Action.REGISTER, "registered")
    kit.step(panel, Role.DISPATCHER, Action.DISPATCH, "dispatched", department="城管中队")
    kit.step(panel, Role.DEPARTMENT, Action.REQUEST_EXTENSION, "dispatched", note="需调车",
             hours=4)
    assert panel.fields.value("申请延期（工作时）") == "4"
    kit.view.set_role(Role.SUPERVISOR)
    panel.steps.buttons[Action.EXTEND].click()
    dialog = panel.dialog
    assert "申请延期 4 工作时" in dialog.request.text()
    assert "需调车" in dialog.request.text()
    assert dialog.hours.value() == 4  # granted as asked unless changed
    dialog.note.setPlainText("同意")
    dialog.ok.click()
    kit.qtbot.waitUntil(lambda: panel.fields.value("批准延期（工作时）") == "4")
    assert panel.fields.value("申请延期（工作时）") is None  # granted: nothing waits
    assert panel.history.actions_shown()[-1] == "批准延期"


def test_side_flows_by_clicking(kit, demo_db):
    panel = kit.panel()
    voided = new_case(demo_db)
    kit.show(panel, voided)
    kit.step(panel, Role.INTAKE, Action.VOID, "voided", note="重复反映")
    case_id = new_case(demo_db, lon=121.4990, lat=31.3390)
    kit.show(panel, case_id)
    kit.step(panel, Role.INTAKE, Action.REGISTER, "registered")
    kit.step(panel, Role.DISPATCHER, Action.DISPATCH, "dispatched", department="城管中队")
    kit.step(panel, Role.DEPARTMENT, Action.RETURN, "registered", note="不属本部门")
    kit.step(panel, Role.DISPATCHER, Action.DISPATCH, "dispatched",
             department="作业队/保洁服务社")
    kit.step(panel, Role.SUPERVISOR, Action.ESCALATE, "dispatched", note="居民多次反映")
    kit.step(panel, Role.SUPERVISOR, Action.SUSPEND, "suspended", note="待业主回国")
    kit.step(panel, Role.SUPERVISOR, Action.RESUME, "dispatched")
    assert panel.fields.value("状态") == "派遣（督办）"
    assert [a for a in panel.history.actions_shown()][-3:] == ["督办", "挂账", "恢复"]


def test_the_panel_shows_the_light(kit, demo_db, frozen_clock):
    frozen_clock.set("2026-11-23 10:30:00")
    panel = kit.panel()
    case_id = new_case(demo_db)
    kit.show(panel, case_id)
    assert "无处置时限" in panel.light.text()
    kit.step(panel, Role.INTAKE, Action.REGISTER, "registered")
    # Registered just now: a 暴露垃圾 case has one working day (8 h) and has used none.
    assert panel.light.text().startswith("绿灯")
    assert "剩余 1 工作日" in panel.light.text()  # 8 h: one working day
    frozen_clock.tick(days=3)
    kit.show(panel, case_id)
    panel.load(kit.view.current)
    kit.qtbot.waitUntil(lambda: panel.light.text().startswith("红灯"))
    assert "超期" in panel.light.text()


def test_notes_and_photos(kit, demo_db, tmp_path):
    from PySide6.QtGui import QColor, QImage

    panel = kit.panel()
    case_id = new_case(demo_db)
    kit.show(panel, case_id)
    notes = panel.notes
    notes.note_input.setText("已联系物业 <b>不是粗体</b>")
    notes.add_button.click()
    kit.qtbot.waitUntil(lambda: notes.notes.count() == 1)
    assert notes.notes.item(0).text().endswith("已联系物业 <b>不是粗体</b>")
    assert notes.note_input.text() == ""  # cleared once saved
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#3498db"))
    photo = tmp_path / "现场.png"
    image.save(str(photo))
    panel.attach_photo(photo)
    kit.qtbot.waitUntil(lambda: notes.photos.count() == 1)
    assert not notes.photos.item(0).icon().isNull()
    fake = tmp_path / "x.png"
    fake.write_text("not an image")
    panel.isVisible = lambda: False  # keep the message box shut; the label says it
    panel.attach_photo(fake)
    kit.qtbot.waitUntil(lambda: "不是可识别的图片" in panel.message.text())


def test_new_case_form_saves_and_offers_duplicates(kit, demo_db, frozen_clock):
    from xjwc_desktop.gui.cases.qt_new_case import QtNewCaseDialog

    frozen_clock.set("2026-11-23 10:30:00")
    first = new_case(demo_db, at=None)
    dialog = QtNewCaseDialog(kit.tasks, kit.reference.lists, lon=121.50461, lat=31.32681)
    kit.qtbot.addWidget(dialog)
    dialog.open()
    dialog.category.setCurrentIndex(dialog.category.findData("E0101"))
    dialog.description.setPlainText("<img src=x onerror=alert(1)>")
    dialog.save()
    kit.qtbot.waitUntil(lambda: dialog.offer is not None)
    next(b for b in dialog.offer.buttons() if b.text() == "关联为重复").click()
    kit.qtbot.waitUntil(lambda: not dialog.isVisible() and kit.tasks.idle)
    assert dialog.result() == dialog.DialogCode.Accepted
    made = dialog.result_case
    assert made.duplicates[0].case_id == first
    with demo_db.reading() as conn:
        status, dup_of, text = conn.exec_driver_sql(
            "SELECT status, duplicate_of_id, description FROM cases WHERE id = ?",
            (made.case_id,)).one()
    assert (status, dup_of, text) == ("voided", first, "<img src=x onerror=alert(1)>")


def test_new_case_form_says_at_once_when_a_point_is_outside_the_street(kit):
    from xjwc_desktop.gui.cases.qt_new_case import QtNewCaseDialog

    dialog = QtNewCaseDialog(kit.tasks, kit.reference.lists, lon=121.40, lat=31.30)
    kit.qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    assert "不在新江湾城街道范围内" in dialog.message.text()
    dialog.lon.setText("121.5046")
    dialog.lat.setText("31.3268")
    assert dialog.save_button.isEnabled()
    dialog.lat.setText("31.3x")
    assert "应为数字" in dialog.message.text()


def test_due_list_counts_every_overdue_case_and_sorts(kit, demo_db):
    from PySide6.QtCore import Qt

    from xjwc_desktop.gui.cases.qt_due_list import QtDueList

    due = QtDueList(kit.tasks)
    kit.qtbot.addWidget(due)
    due.show()
    kit.qtbot.waitUntil(lambda: due.due is not None)
    with demo_db.reading() as conn:
        running = conn.exec_driver_sql(
            "SELECT count(*) FROM cases WHERE status IN ('registered', 'dispatched')").scalar_one()
    assert due.model.rowCount() == running > 0  # 2015 cases still open are long overdue
    first = due.model.index(0, 0)
    assert due.model.data(first).startswith("超期")
    assert "工作日" in due.model.data(first)
    assert f"超期 {running:,} 件" in due.summary.text()
    assert due.model.data(due.model.index(0, 3))  # its category, department, address too
    due.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    numbers = [due.model.data(due.model.index(r, 1)) for r in range(due.model.rowCount())]
    assert numbers == sorted(numbers)


def test_category_editor_saves_for_admins_only(kit, demo_db):
    from xjwc_desktop.gui.cases.qt_category_editor import QtCategoryEditor

    editor = QtCategoryEditor(kit.tasks, kit.reference.lists, Role.ADMIN)
    kit.qtbot.addWidget(editor)
    row = editor.codes.index("E0101")
    editor.table.cellWidget(row, 4).setValue(2.5)
    editor.save()
    kit.qtbot.waitUntil(lambda: "已保存" in editor.message.text())
    with demo_db.reading() as conn:
        limit = conn.exec_driver_sql(
            "SELECT time_limit FROM categories WHERE code = 'E0101'").scalar_one()
    assert limit == 2.5
    kit.qtbot.waitUntil(lambda: kit.reference.lists.category("E0101").time_limit == 2.5)
    readonly = QtCategoryEditor(kit.tasks, kit.reference.lists, Role.SUPERVISOR)
    kit.qtbot.addWidget(readonly)
    assert not readonly.save_button.isEnabled()
    assert not readonly.table.cellWidget(row, 4).isEnabled()
