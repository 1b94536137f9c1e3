"""The 冲突 panel: conflicts two workstations made, as the operator sees and resolves them."""

from __future__ import annotations

from PySide6.QtGui import QColor

from tests.gui.test_sync_in_window import click_sync, listed
from xjwc_desktop.core.workflow import Role


def sync(qtbot, desk):
    with qtbot.waitSignal(desk.hooks.controller.finished, timeout=30_000) as done:
        click_sync(qtbot, desk)
    return done.args[0]


def cells(panel, row: int = 0) -> list[str]:
    return [panel.table.item(row, c).text() for c in range(panel.table.columnCount())]


def red_pixels(widget) -> int:
    image = widget.grab().toImage()
    want = QColor("#c0392b")
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if abs(image.pixelColor(x, y).red() - want.red()) < 40
               and image.pixelColor(x, y).green() < 110 and image.pixelColor(x, y).blue() < 110)


def test_taking_the_value_that_lost_writes_it_here_and_at_the_office(qtbot, make_desk):
    desk = make_desk()
    hooks, panel = desk.hooks, desk.hooks.panel
    dock = desk.window.docks["conflicts"]
    theirs = desk.case_nos[1]
    desk.write(qtbot, lambda: desk.station.edit(theirs, address="政立路 505 弄"))
    markup = "<b>淞沪路</b> 2 号 <img src=x>"  # what a citizen typed, shown as typed
    desk.other.edit(theirs, address=markup)
    desk.other.sync()  # 值班台B reaches the office first: its address stands
    assert panel.table.rowCount() == 0
    report = sync(qtbot, desk)
    assert report.conflicts == 1
    qtbot.waitUntil(lambda: listed(desk.window, desk.rowid(theirs), "地址") == markup)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    when, what, kind, fields, kept, lost, device = cells(panel)
    assert what == f"案件 {theirs}"
    assert (kind, fields, kept, lost, device) == ("同一字段被两处修改", "地址", markup,
                                                  "政立路 505 弄", "值班台A")
    assert markup in panel.detail.toPlainText()
    assert dock.windowTitle() == "冲突（1）"
    assert hooks.indicator.text().endswith(" · 冲突 1")
    assert hooks.indicator.level == "attention"
    assert red_pixels(hooks.indicator) > 20

    # Behind the case panel until the indicator is clicked. (isVisible() is true for a dock
    # in a background tab here; what is on screen is its visible region.)
    assert dock.visibleRegion().isEmpty()
    hooks.indicator.click()
    qtbot.waitUntil(lambda: not dock.visibleRegion().isEmpty())
    shown = [c for c, b in panel.buttons.items() if b.isVisible()]
    assert shown == ["keep", "take"]
    with qtbot.waitSignal(panel.resolved):
        panel.buttons["take"].click()
    assert "采用此值" in panel.message.text()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0)
    assert dock.windowTitle() == "冲突"
    assert desk.station.case(theirs).address == "政立路 505 弄"
    qtbot.waitUntil(lambda: listed(desk.window, desk.rowid(theirs), "地址") == "政立路 505 弄")
    qtbot.waitUntil(lambda: "待上传" in hooks.indicator.text())
    assert "冲突" not in hooks.indicator.text()

    sync(qtbot, desk)
    assert desk.on_server("SELECT address FROM cases WHERE case_no = :n",
                          n=theirs) == "政立路 505 弄"
    assert desk.on_server("SELECT resolution FROM sync_conflicts") == "take"


def test_a_step_that_can_no_longer_be_redone_says_why_and_stays_open(qtbot, make_desk):
    desk = make_desk()
    hooks, panel, window = desk.hooks, desk.hooks.panel, desk.window
    mine = desk.case_nos[0]
    desk.other.step(mine, "register", "intake")
    desk.other.sync()
    sync(qtbot, desk)
    desk.write(qtbot, lambda: desk.station.step(mine, "dispatch", "dispatcher",
                                                department="城管中队"))
    desk.other.step(mine, "dispatch", "dispatcher", department="物业公司")
    desk.other.sync()
    sync(qtbot, desk)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    kind, fields, kept, lost = cells(panel)[2:6]
    # The fields the losing step changed, whether or not both clicks fell in one second.
    assert (kind, fields) == ("同一案件被两处办理", "处置部门、派遣时间、状态")
    assert kept.startswith("处置部门：物业公司；派遣时间：")
    assert kept.endswith("；状态：派遣")
    assert lost.startswith("处置部门：城管中队；派遣时间：")
    assert "派遣" in panel.detail.toPlainText()  # the step that did not get in
    # The role is the one chosen on the toolbar (我的角色): one choice for every view.
    role_box = window.workspace.role_box
    assert window.toolbar.widgetForAction(window.toolbar.actions()[-1]) is role_box
    role_box.setCurrentIndex(role_box.findData(Role.DISPATCHER.value))
    assert "处理身份：派遣员" in panel.header.text()
    assert window.workspace.view.role is Role.DISPATCHER
    window.raise_dock("conflicts")
    assert [c for c, b in panel.buttons.items() if b.isVisible()] == ["keep", "redo"]
    panel.buttons["redo"].click()  # the case is already dispatched: 派遣 is not allowed
    qtbot.waitUntil(lambda: panel.message.text().startswith("未能处理："))
    assert "派遣" in panel.message.text()
    assert panel.table.rowCount() == 1
    assert panel.buttons["redo"].isEnabled()
    with qtbot.waitSignal(panel.resolved):
        panel.buttons["keep"].click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0)
    qtbot.waitUntil(lambda: "冲突" not in hooks.indicator.text())
