"""帮助 and 关于: the user guide (shipped with the program, read offline) and who made what."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop import __version__
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.resources import RESOURCES_DIR

USER_GUIDE = RESOURCES_DIR.parent / "docs" / "user" / "README.md"
ABOUT = """新江湾城街道网格化管理中心桌面 GIS · 版本 {version}

案件受理、派遣、处置、核查、结案的闭环，违法建筑与无证建筑普查、公益自行车站点图层，
与街道办服务器同步。

数据来源
· 街道边界、道路：© OpenStreetMap 贡献者，依据开放数据库许可（ODbL 1.0）使用；
  https://www.openstreetmap.org/copyright
· 巡查区、单元网格：由上述 OpenStreetMap 数据按殷行路划分生成（见 maps/README.md）
· 演示数据：依据新江湾城街道 2016 年工作报告中的数字生成，非真实案件
· 图标：Tabler Icons（MIT 许可）

运行环境：Python {python} · Qt for Python (PySide6) {pyside}"""


class QtAboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("关于"))
        self.text = QLabel(tr(ABOUT).format(version=__version__,
                                            python=platform.python_version(),
                                            pyside=pyside_version), self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class QtHelpWindow(QDialog):
    """The user guide (docs/user), links followed inside it, never to the network."""

    def __init__(self, guide: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("帮助"))
        self.resize(820, 640)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(True)
        self.browser.setSearchPaths([str(guide.parent)])
        if guide.is_file():
            self.browser.setSource(QUrl.fromLocalFile(str(guide)))
        else:
            self.browser.setPlainText(tr("找不到使用说明：") + str(guide))
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)


def show_help(parent: QWidget) -> QtHelpWindow:
    window = QtHelpWindow(USER_GUIDE, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    return window
