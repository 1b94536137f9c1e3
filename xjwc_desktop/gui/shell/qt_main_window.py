"""The main window: where the workspace's views go, and the commands that reach them.

In the manner of QGIS and ArcGIS Pro the map owns the centre (the dashboard and the
registers are the other views of the centre, Ctrl+2 and Ctrl+3 away); filters and layers
are a narrow dock on the left; the case list docks under the map with the case panel
beside it, the overdue list and the conflicts tabbed with the case panel. Every command is
in the menu bar with its shortcut; the toolbar holds the frequent ones. Size, maximised
state, dock layout and the view on show are restored.
"""

from __future__ import annotations

import base64

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.gui.shell import qt_layout
from xjwc_desktop.gui.shell.qt_app import install_qt_translations
from xjwc_desktop.gui.shell.qt_flow_layout import scrolled
from xjwc_desktop.gui.shell.qt_icons import icon
from xjwc_desktop.gui.shell.qt_settings import (
    CENTRAL_TAB,
    WINDOW_GEOMETRY,
    WINDOW_STATE,
    QtSettingsStore,
)
from xjwc_desktop.gui.shell.qt_workspace import QtWorkspace

TITLE = "新江湾城街道网格化管理中心"


class QtMainWindow(QMainWindow):
    def __init__(self, db: Database, settings: QtSettingsStore | None = None, *,
                 read_only_reason: str | None = None) -> None:
        super().__init__()
        install_qt_translations(QApplication.instance())  # OK/取消, file dialogs in Chinese
        self.db = db
        self.settings = settings or QtSettingsStore()
        self.setWindowTitle(tr(TITLE) + f" — {db.path.name}")
        self.workspace = ws = QtWorkspace(db, self.settings, self)
        self.docks: dict[str, QDockWidget] = {}
        self._build_centre()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status(read_only_reason)
        ws.sync.conflicts_requested.connect(lambda: self.raise_dock("conflicts"))
        ws.layers.tiles_requested.connect(self.edit_tile_source)
        ws.view.events.current.connect(self._on_current)
        ws.dashboard.filter_applied.connect(lambda: self.show_view(0))
        ws.registers.locate.connect(lambda *_: self.show_view(0))
        self._restore()

    # -- building --
    def _build_centre(self) -> None:
        ws = self.workspace
        # No tab bar: every pixel of height goes to the map; the two views are switched
        # from the toolbar and the 视图 menu (Ctrl+1, Ctrl+2).
        self.centre = QStackedWidget(self)
        self.centre.addWidget(ws.map.view)
        self.centre.addWidget(ws.dashboard)
        self.centre.addWidget(ws.registers)
        self.setCentralWidget(self.centre)
        self.view_actions = QActionGroup(self)
        for i, (text, name, key) in enumerate((("地图", "map", "Ctrl+1"),
                                               ("统计看板", "chart", "Ctrl+2"),
                                               ("登记册", "registers", "Ctrl+3"))):
            action = self._action(text, lambda _on=False, i=i: self.show_view(i), key, name)
            action.setCheckable(True)
            self.view_actions.addAction(action)
        self.view_actions.actions()[0].setChecked(True)

    def show_view(self, index: int) -> None:
        """Show the map (0), the dashboard (1) or the registers (2) in the centre."""
        self.centre.setCurrentIndex(index)
        self.view_actions.actions()[index].setChecked(True)

    def _dock(self, key: str, title: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(tr(title), self)
        dock.setObjectName(key)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _build_docks(self) -> None:
        ws = self.workspace
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self.panel_tabs = QTabWidget()
        self.panel_tabs.addTab(scrolled(ws.filters), tr("筛选"))
        self.panel_tabs.addTab(scrolled(ws.layers), tr("图层"))
        left, bottom = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        self._dock("panels", "筛选与图层", self.panel_tabs, left)
        cases = self._dock("case_list", "案件列表", ws.case_list, bottom)
        cases.setTitleBarWidget(ws.case_list.header)  # 共 N 件案件 · 显示全部
        panel = self._dock("case_panel", "案件", ws.case_panel, bottom)
        panel.setTitleBarWidget(ws.case_panel.header)  # names the case on show
        self.splitDockWidget(cases, panel, Qt.Orientation.Horizontal)
        due = self._dock("due", "超期/临期", ws.due_list, bottom)
        conflicts = self._dock("conflicts", "冲突", scrolled(ws.sync.panel), bottom)
        self.tabifyDockWidget(panel, due)
        self.tabifyDockWidget(panel, conflicts)
        panel.raise_()
        ws.sync.panel.count_changed.connect(
            lambda n: conflicts.setWindowTitle(tr("冲突") + (f"（{n}）" if n else "")))

    def _action(self, text: str, slot, shortcut: str | None = None, icon_name: str | None = None,
                tip: str | None = None) -> QAction:
        action = QAction(tr(text), self)
        action.triggered.connect(slot)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon_name:
            action.setIcon(icon(icon_name))
        action.setToolTip(tr(tip or text).rstrip("…") + (f"（{shortcut}）" if shortcut else ""))
        return action

    def _build_actions(self) -> None:
        ws = self.workspace
        a = self._action
        self.find_action = a("查找……", self.focus_keyword, "Ctrl+F", "search",
                             "在案卷号、工单号、地址和描述中查找")
        self.clear_action = a("清除选择", self.escape, "Esc", None,
                              "取消选择，清空案件面板")
        self.zoom_action = a("缩放到所选", lambda: ws.map.call("zoomToSelection"), None,
                             "zoom-selection")
        self.street_action = a("全街道", lambda: ws.map.call("fitStreet"), None, "street")
        self.box_action = a("框选", lambda: None, None, "box",
                            "在地图上拖出矩形选择案件（也可按住 Shift 拖动）")
        self.box_action.setCheckable(True)
        self.box_action.toggled.connect(lambda on: ws.map.call("setBoxMode", on))
        self.tiles_action = a("底图瓦片……", self.edit_tile_source, None, "tiles")
        self.quit_action = a("退出", self.close, "Ctrl+Q")
        self.help_action = a("帮助", self.show_help, "F1", "help")
        self.about_action = a("关于", self.show_about)
        self.reset_layout_action = a("恢复默认布局", self.reset_layout)
        cmds = ws.cases
        for action, name in ((cmds.new_action, "add"), (cmds.export_action, "export"),
                             (cmds.import_action, "import"), (cmds.bulk_action, "bulk"),
                             (cmds.print_action, "print"),
                             (ws.sync.sync_action, "sync"), (ws.sync.settings_action, "server")):
            action.setIcon(icon(name))
        self.addActions([self.find_action, self.clear_action])

    def _build_menus(self) -> None:
        ws, bar = self.workspace, self.menuBar()
        cmds, sync = ws.cases, ws.sync
        menus = {
            "文件": [cmds.import_action, cmds.export_action, cmds.print_action, None,
                   self.quit_action],
            "编辑": [self.find_action, self.clear_action],
            "视图": [*self.view_actions.actions(), None,
                   *(dock.toggleViewAction() for dock in self.docks.values()), None,
                   self.reset_layout_action],
            "案件": [cmds.new_action, cmds.bulk_action],
            "图层": [self.zoom_action, self.street_action, self.box_action, None,
                   self.tiles_action],
            "工具": [sync.sync_action, sync.settings_action, None, cmds.categories_action],
            "帮助": [self.help_action, self.about_action],
        }
        self.menus = {}
        for title, actions in menus.items():
            menu = bar.addMenu(tr(title))
            for action in actions:
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)
            self.menus[title] = menu

    def _build_toolbar(self) -> None:
        ws = self.workspace
        bar = QToolBar(tr("工具栏"), self)
        bar.setObjectName("main_tools")
        bar.setMovable(False)
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (*self.view_actions.actions(), None,
                       ws.cases.new_action, ws.cases.bulk_action, None, self.find_action,
                       self.zoom_action, self.street_action, self.box_action, None,
                       ws.cases.export_action, ws.cases.import_action, None,
                       ws.sync.sync_action):
            if action is None:
                bar.addSeparator()
            else:
                bar.addAction(action)
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        role = QLabel(tr("我的角色") + " ", bar)
        role.setBuddy(ws.role_box)
        bar.addWidget(role)
        bar.addWidget(ws.role_box)
        self.addToolBar(bar)
        self.toolbar = bar

    def _build_status(self, read_only_reason: str | None) -> None:
        ws = self.workspace
        self.map_status = QLabel(tr("地图加载中……"))
        self.statusBar().addWidget(self.map_status, 1)
        if read_only_reason:
            self.statusBar().addPermanentWidget(QLabel(read_only_reason))
        self.statusBar().addPermanentWidget(ws.sync.indicator)
        path = QLabel(self.db.path.name)
        path.setToolTip(str(self.db.path))
        self.statusBar().addPermanentWidget(path)
        ws.map.status.connect(self._map_status)
        ws.sync.message.connect(lambda text: self.statusBar().showMessage(text, 15_000))
        ws.cases.message.connect(self.statusBar().showMessage)
        ws.cases.message_done.connect(self._clear_message)
        ws.tasks.failed.connect(lambda text: self.statusBar().showMessage(text, 30_000))

    def _map_status(self, text: str) -> None:
        """One line in the status bar (a page error's stack trace would push the window's
        docks up by its height); the whole text in its tooltip."""
        first, _, rest = text.partition("\n")
        self.map_status.setText(first + ("……" if rest.strip() else ""))
        self.map_status.setToolTip(text if rest.strip() else "")

    def escape(self) -> None:
        """Esc: cancels picking a new case's point if one is being picked, else clears the
        selection."""
        if not self.workspace.cases.cancel_pick():
            self.workspace.view.clear_selection()

    def _clear_message(self, text: str) -> None:
        if self.statusBar().currentMessage() == text:
            self.statusBar().clearMessage()

    # -- layout and state --
    def _restore(self) -> None:
        geometry, state = self.settings.get(WINDOW_GEOMETRY), self.settings.get(WINDOW_STATE)
        restored = False
        if isinstance(geometry, str):
            restored = self.restoreGeometry(QByteArray(base64.b64decode(geometry)))
        if isinstance(state, str):
            self.restoreState(QByteArray(base64.b64decode(state)))
        if not restored:
            qt_layout.fit_to_screen(self)
        self._layout_pending = not isinstance(state, str)
        tab = self.settings.get(CENTRAL_TAB)
        self.show_view(tab if tab in (0, 1, 2) else 0)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._layout_pending:  # first start: dock sizes for this screen
            self._layout_pending = False
            qt_layout.default_dock_sizes(self)

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        qt_layout.default_dock_sizes(self)
        self.docks["case_panel"].raise_()

    def raise_dock(self, key: str) -> None:
        dock = self.docks[key]
        dock.show()
        dock.raise_()

    def _on_current(self, ref) -> None:
        if ref is not None:
            self.docks["case_panel"].show()
            self.docks["case_panel"].raise_()

    def focus_keyword(self) -> None:
        self.docks["panels"].show()
        self.panel_tabs.setCurrentIndex(0)
        edit = self.workspace.filters.text_edit
        edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        edit.selectAll()

    # -- dialogs --
    def edit_tile_source(self) -> None:
        from xjwc_desktop.gui.map.qt_tile_settings import QtTileSettingsDialog

        dialog = QtTileSettingsDialog(self.workspace.map.tile_source, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.workspace.map.set_tile_source(dialog.source())

    def show_help(self) -> None:
        from xjwc_desktop.gui.shell.qt_about import show_help

        show_help(self)

    def show_about(self) -> None:
        from xjwc_desktop.gui.shell.qt_about import QtAboutDialog

        QtAboutDialog(self).open()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.settings.set(WINDOW_GEOMETRY, base64.b64encode(bytes(self.saveGeometry())).decode())
        self.settings.set(WINDOW_STATE, base64.b64encode(bytes(self.saveState())).decode())
        self.settings.set(CENTRAL_TAB, self.centre.currentIndex())
        self.settings.sync()
        self.workspace.shutdown()
        super().closeEvent(event)
