"""The workflow widgets on their own: buttons by state and role, real dialogs filled in."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from tests.gui.dialogs import answering, answering_step, press
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.workflow import Action, Role, create_case
from xjwc_desktop.gui.qt_case_actions import QtCaseActions
from xjwc_desktop.gui.qt_case_extras import QtCaseExtras
from xjwc_desktop.gui.qt_due_list import QtDueList
from xjwc_desktop.gui.qt_new_case import QtNewCaseDialog
from xjwc_desktop.gui.qt_tasks import QtTaskRunner


@pytest.fixture
def runner(qtbot):
    r = QtTaskRunner()
    yield r
    r.shutdown()


def new_case(db, **kw) -> str:
    fields = dict(source="12345热线", category="暴露垃圾", lon=121.5046, lat=31.3268,
                  description="公园门口垃圾", at=dt.datetime(2026, 11, 23, 10, 0))
    fields.update(kw)
    with db.session() as s:
        return create_case(s, workstation_id=db.workstation_id, **fields).case_id


def status_of(db, case_id: str) -> str:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT status FROM cases WHERE id = ?",
                                    (case_id,)).scalar_one()


def click_step(qtbot, panel, db, case_id, role, action, expected, **answers) -> None:
    """As ``role``, click ``action`` on the case, answer its dialog, check the new state."""
    panel.show_case({"id": case_id, "case_no": "x", "status": status_of(db, case_id)})
    panel.set_role(role)
    assert panel.buttons[action].isEnabled(), (role, action)
    with answering_step(**answers), qtbot.waitSignal(panel.changed):
        panel.buttons[action].click()
    assert status_of(db, case_id) == expected


def test_buttons_follow_state_and_role(qtbot, demo_db, runner):
    case_id = new_case(demo_db)
    panel = QtCaseActions(demo_db, runner)
    qtbot.addWidget(panel)
    panel.show_case({"id": case_id, "case_no": "x", "status": "reported"})
    panel.set_role(Role.INTAKE)
    assert panel.buttons[Action.REGISTER].isEnabled()
    assert panel.buttons[Action.VOID].isEnabled()
    assert not panel.buttons[Action.DISPATCH].isVisible()
    panel.set_role(Role.DEPARTMENT)
    assert not panel.buttons[Action.REGISTER].isEnabled()


def test_walk_the_loop_with_rework_by_clicking(qtbot, demo_db, runner):
    case_id = new_case(demo_db)
    panel = QtCaseActions(demo_db, runner)
    qtbot.addWidget(panel)
    panel.show()
    steps = [(Role.INTAKE, Action.REGISTER, {}, "registered"),
             (Role.DISPATCHER, Action.DISPATCH, {"department": "作业队/保洁服务社"}, "dispatched"),
             (Role.DEPARTMENT, Action.HANDLE, {}, "handled"),
             (Role.INSPECTOR, Action.REWORK, {"note": "仍有垃圾"}, "dispatched"),
             (Role.DEPARTMENT, Action.HANDLE, {}, "handled"),
             (Role.INSPECTOR, Action.VERIFY, {}, "verified"),
             (Role.SUPERVISOR, Action.CLOSE, {}, "closed")]
    for role, action, answers, expected in steps:
        click_step(qtbot, panel, demo_db, case_id, role, action, expected, **answers)
    with demo_db.engine.connect() as conn:
        steps_written = conn.exec_driver_sql(
            "SELECT action FROM case_events WHERE case_id = ? ORDER BY seq", (case_id,)).all()
    assert [a for (a,) in steps_written] == ["report", "register", "dispatch", "handle",
                                             "rework", "handle", "verify", "close"]


def test_a_refused_step_shows_the_engine_message_and_changes_nothing(qtbot, demo_db, runner):
    case_id = new_case(demo_db)
    panel = QtCaseActions(demo_db, runner)
    qtbot.addWidget(panel)
    panel.show_case({"id": case_id, "case_no": "x", "status": "reported"})
    panel.set_role(Role.INTAKE)
    with answering_step(note=""), \
            qtbot.waitSignal(panel.failed) as blocker:  # 作废 needs a reason
        panel.buttons[Action.VOID].click()
    assert "必须填写说明" in blocker.args[0]
    assert status_of(demo_db, case_id) == CaseStatus.REPORTED.value


def test_new_case_form_saves_and_offers_duplicates(qtbot, demo_db, runner):
    first = new_case(demo_db, at=None)
    dialog = QtNewCaseDialog(demo_db, runner, lon=121.50461, lat=31.32681)
    qtbot.addWidget(dialog)
    dialog.category.setCurrentIndex(dialog.category.findData("E0101"))
    dialog.description.setPlainText("<img src=x onerror=alert(1)>")
    with answering(QMessageBox, press("关联为重复")), \
            qtbot.waitSignal(dialog.finished):
        dialog.save()
    made = dialog.result_case
    assert made is not None
    assert made.duplicates[0].case_id == first
    assert status_of(demo_db, made.case_id) == "voided"
    with demo_db.engine.connect() as conn:
        dup_of, text = conn.exec_driver_sql(
            "SELECT duplicate_of_id, description FROM cases WHERE id = ?",
            (made.case_id,)).one()
    assert dup_of == first
    assert text == "<img src=x onerror=alert(1)>"


def test_new_case_form_refuses_a_point_outside_the_street(qtbot, demo_db, runner):
    dialog = QtNewCaseDialog(demo_db, runner, lon=121.40, lat=31.30)
    qtbot.addWidget(dialog)
    dialog.save()
    qtbot.waitUntil(lambda: "不在新江湾城街道范围内" in dialog.message.text())
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_due_list_shows_overdue_cases_worst_first(qtbot, demo_db):
    due = QtDueList(demo_db)
    qtbot.addWidget(due)
    with demo_db.engine.connect() as conn:
        running = conn.exec_driver_sql(
            "SELECT count(*) FROM cases WHERE status IN ('registered', 'dispatched')").scalar_one()
    assert due.table.rowCount() == running > 0  # 2015 cases still open are long overdue
    assert due.table.item(0, 0).text().startswith("红灯")
    assert f"超期 {running} 件" in due.summary.text()


def test_notes_and_photos(qtbot, demo_db, runner, tmp_path):
    case_id = new_case(demo_db)
    extras = QtCaseExtras(demo_db, runner)
    qtbot.addWidget(extras)
    extras.show_case(case_id)
    extras.note_input.setText("已联系物业 <b>不是粗体</b>")
    with qtbot.waitSignal(extras.changed):
        extras.add_note()
    assert extras.notes.count() == 1
    assert extras.notes.item(0).text().endswith("已联系物业 <b>不是粗体</b>")
    from PySide6.QtGui import QColor, QImage

    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#3498db"))
    photo = tmp_path / "现场.png"
    image.save(str(photo))
    with qtbot.waitSignal(extras.changed):
        extras.attach(photo)
    assert extras.photos.count() == 1
    assert not extras.photos.item(0).icon().isNull()
    fake = tmp_path / "x.png"
    fake.write_text("not an image")
    with qtbot.waitSignal(extras.failed) as blocker:
        extras.attach(fake)
    assert "不是可识别的图片" in blocker.args[0]


def test_category_editor_saves_for_admins_only(qtbot, demo_db):
    from xjwc_desktop.gui.qt_category_editor import QtCategoryEditor

    editor = QtCategoryEditor(demo_db, Role.ADMIN)
    qtbot.addWidget(editor)
    row = editor.codes.index("E0101")
    editor.table.cellWidget(row, 4).setValue(2.5)
    editor.save()
    assert "已保存" in editor.message.text()
    with demo_db.engine.connect() as conn:
        limit = conn.exec_driver_sql(
            "SELECT time_limit FROM categories WHERE code = 'E0101'").scalar_one()
    assert limit == 2.5
    readonly = QtCategoryEditor(demo_db, Role.SUPERVISOR)
    qtbot.addWidget(readonly)
    assert not readonly.save_button.isEnabled()
    assert not readonly.table.cellWidget(row, 4).isEnabled()


def test_workflow_panel_shows_the_light_and_follows_a_step(qtbot, demo_db, runner):
    from xjwc_desktop.gui.qt_workflow_panel import QtWorkflowPanel

    case_id = new_case(demo_db)
    panel = QtWorkflowPanel(demo_db, runner)
    qtbot.addWidget(panel)
    panel.show_case_id(case_id)
    assert "受理" in panel.header.text()
    assert "无处置时限" in panel.light.text()
    panel.actions.set_role(Role.INTAKE)
    with answering_step(), qtbot.waitSignal(panel.case_changed):
        panel.actions.buttons[Action.REGISTER].click()
    # Registered just now: a 暴露垃圾 case has one working day (8 h) and has used none.
    assert "立案" in panel.header.text()
    assert panel.light.text().startswith("绿灯")
    assert "/ 8 工作时" in panel.light.text()


def test_side_flows_by_clicking(qtbot, demo_db, runner):
    panel = QtCaseActions(demo_db, runner)
    qtbot.addWidget(panel)

    def step(case_id, role, action, expected, **answers):
        click_step(qtbot, panel, demo_db, case_id, role, action, expected, **answers)

    voided = new_case(demo_db)
    step(voided, Role.INTAKE, Action.VOID, "voided", note="重复反映")

    case_id = new_case(demo_db, lon=121.4990, lat=31.3390)
    step(case_id, Role.INTAKE, Action.REGISTER, "registered")
    step(case_id, Role.DISPATCHER, Action.DISPATCH, "dispatched", department="城管中队")
    step(case_id, Role.DEPARTMENT, Action.RETURN, "registered", note="不属本部门")
    step(case_id, Role.DISPATCHER, Action.DISPATCH, "dispatched", department="作业队/保洁服务社")
    step(case_id, Role.DEPARTMENT, Action.REQUEST_EXTENSION, "dispatched", note="需调车", hours=4)
    with demo_db.engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT deadline_at FROM cases WHERE id = ?",
                                      (case_id,)).scalar_one()
    step(case_id, Role.SUPERVISOR, Action.EXTEND, "dispatched", note="同意")
    step(case_id, Role.SUPERVISOR, Action.ESCALATE, "dispatched", note="居民多次反映")
    step(case_id, Role.SUPERVISOR, Action.SUSPEND, "suspended", note="待业主回国")
    step(case_id, Role.SUPERVISOR, Action.RESUME, "dispatched")
    with demo_db.engine.connect() as conn:
        after, extension, escalated = conn.exec_driver_sql(
            "SELECT deadline_at, extension_hours, escalated FROM cases WHERE id = ?",
            (case_id,)).one()
    assert extension == 4.0
    assert escalated == 1
    assert after > before  # the approved 4 working hours (and any suspended time) moved it
