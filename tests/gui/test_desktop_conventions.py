"""Desktop conventions: a menu bar holding every command with its shortcut, the toolbar's
icons, the keyboard, 帮助 and 关于, Qt's own texts in Chinese."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.gui.conftest import settle

MENUS = ["文件", "编辑", "视图", "案件", "图层", "工具", "帮助"]
SHORTCUTS = {"查找……": "Ctrl+F", "清除选择": "Esc", "受理新案件……": "Ctrl+N",
             "导出案件……": "Ctrl+E", "打印案卷……": "Ctrl+P", "同步": "F5", "帮助": "F1",
             "地图": "Ctrl+1", "统计看板": "Ctrl+2", "登记册": "Ctrl+3"}


def menu_actions(window) -> dict[str, object]:
    return {a.text(): a for menu in window.menus.values() for a in menu.actions()
            if a.text()}


def test_the_menu_bar_holds_every_command_with_its_shortcut(qtbot, make_window):
    window = make_window()
    assert [m.title() for m in window.menuBar().findChildren(type(window.menus["文件"]))
            if m.title() in MENUS] == MENUS
    actions = menu_actions(window)
    for text, key in SHORTCUTS.items():
        assert actions[text].shortcut() == QKeySequence(key), text
    # Every dock can be brought back from 视图, each listed once.
    view = [a.text() for a in window.menus["视图"].actions() if a.text()]
    for dock in window.docks.values():
        assert view.count(dock.windowTitle()) == 1, dock.windowTitle()
    # Every toolbar command is also in a menu, and has an icon from the bundled set.
    for action in window.toolbar.actions():
        if action.text() and not action.isSeparator() and action.icon().isNull() is False:
            assert action.text() in actions, action.text()
    assert all(not a.icon().isNull() for a in window.toolbar.actions()
               if a.text() in SHORTCUTS and a.text() != "清除选择")


def test_the_keyboard_finds_clears_and_switches_views(qtbot, make_window):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    window.activateWindow()
    ws.view.select([ws.case_list.model.rowid_at(0)])
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is not None)
    menu_actions(window)["清除选择"].trigger()  # Esc
    assert ws.view.selection == ()
    assert ws.view.current is None
    qtbot.waitUntil(lambda: ws.case_panel.snapshot is None)
    menu_actions(window)["查找……"].trigger()  # Ctrl+F
    assert QApplication.focusWidget() is ws.filters.text_edit
    QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.centre.currentIndex() == 1
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.centre.currentIndex() == 0


def test_about_names_the_version_and_the_data_sources(qtbot, make_window):
    from xjwc_desktop import __version__
    from xjwc_desktop.gui.shell.qt_about import QtAboutDialog

    window = make_window()
    about = QtAboutDialog(window)
    text = about.text.text()
    assert __version__ in text
    assert "OpenStreetMap" in text
    assert "ODbL" in text
    assert "Tabler Icons" in text
    about.close()
    about.deleteLater()


def test_help_opens_the_user_guide_offline(qtbot, make_window):
    from xjwc_desktop.gui.shell.qt_about import USER_GUIDE, show_help

    window = make_window()
    assert USER_GUIDE.is_file()
    help_window = show_help(window)
    assert "地图工作区" in help_window.browser.toPlainText()
    assert not help_window.browser.openExternalLinks()
    help_window.close()


def test_qts_own_buttons_speak_chinese(qtbot, make_window):
    window = make_window()
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Save)
    texts = {b.text().replace("&", "").split("(")[0] for b in box.buttons()}
    box.deleteLater()
    assert texts == {"确定", "取消", "保存"}, texts
    assert window.isVisible()
