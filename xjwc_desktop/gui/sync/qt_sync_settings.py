"""服务器设置: the street office's address, this device's token and, for a server with a
self-signed certificate, the CA file; saved, then tried with one sync.

The address and the CA file are kept in the database (as ``xjwc sync`` keeps them), the
token in the keyring or the private token file (core/sync/credentials.py), never in the
database, which gets copied around. Reading and saving them happen off the GUI thread
(the keyring may take a moment to answer), saving on the writer like any write.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.operations import ServerSettings, save_server_settings, server_settings
from xjwc_desktop.gui.shell.qt_settings import SYNC_INTERVAL
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager
from xjwc_desktop.gui.sync.qt_sync import QtSyncController, failure_message


class QtServerDialog(QDialog):
    """Edits the server settings; stays open with the reason when the trial sync fails."""

    def __init__(self, tasks: QtTaskManager, controller: QtSyncController, parent=None) -> None:
        super().__init__(parent)
        self.tasks, self.controller = tasks, controller
        self.setWindowTitle(tr("服务器设置"))
        self.setMinimumWidth(520)
        self.known = ServerSettings(None, None, False)  # until read
        self.loaded = False
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText("http://192.168.1.10:8765")
        self.token_edit = QLineEdit(self)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(tr("管理员登记本机时得到的令牌"))
        self.ca_edit = QLineEdit(self)
        self.ca_edit.setPlaceholderText(tr("仅服务器使用自签名证书时需要"))
        browse = QPushButton(tr("浏览……"), self)
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(browse)
        self.interval = QSpinBox(self)
        self.interval.setRange(0, 24 * 3600)
        self.interval.setSuffix(" " + tr("秒"))
        self.interval.setSpecialValueText(tr("不自动同步"))
        self.interval.setValue(controller.settings.get_seconds(SYNC_INTERVAL))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        # Messages quote the server's answer: never let a QLabel take them for HTML.
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(tr("保存并同步"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(tr("服务器地址"), self.url_edit)
        form.addRow(tr("设备令牌"), self.token_edit)
        form.addRow(tr("CA 证书"), ca_row)
        form.addRow(tr("自动同步间隔"), self.interval)
        form.addRow(self.message)
        form.addRow(self.buttons)
        self.verifying = False  # saved; waiting for the trial sync to start
        self.trial_running = False
        controller.started.connect(self._on_started)
        controller.finished.connect(self._on_finished)
        controller.failed.connect(self._on_failed)
        self.save_button.setEnabled(False)
        tasks.read(server_settings, self._show_known, owner=self)

    def _show_known(self, known: ServerSettings) -> None:
        self.known, self.loaded = known, True
        if not self.url_edit.text():
            self.url_edit.setText(known.url or "")
        if not self.ca_edit.text():
            self.ca_edit.setText(known.ca_cert or "")
        if known.token_saved:
            self.token_edit.setPlaceholderText(tr("已保存（留空则不变）"))
        self.save_button.setEnabled(True)

    def _stored_token(self, url: str) -> bool:
        return self.known.token_saved and (self.known.url or "").rstrip("/") == url.rstrip("/")

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("选择 CA 证书"), "",
                                              tr("证书 (*.pem *.crt *.cer);;所有文件 (*)"))
        if path:
            self.ca_edit.setText(path)

    def problem(self) -> str | None:
        url = self.url_edit.text().strip()
        ca = self.ca_edit.text().strip()
        if not url.startswith(("http://", "https://")) or len(url) < len("http://x"):
            return tr("服务器地址须以 http:// 或 https:// 开头，例如 http://192.168.1.10:8765。")
        if not self.token_edit.text().strip() and not self._stored_token(url):
            return tr("请填写设备令牌（管理员登记本机时得到的）。")
        if ca and not Path(ca).expanduser().is_file():
            return tr("找不到证书文件：") + ca
        return None

    def save(self) -> None:
        problem = self.problem()
        if problem:
            self._say(problem, error=True)
            return
        url = self.url_edit.text().strip().rstrip("/")
        token = self.token_edit.text().strip() or None
        ca = str(Path(self.ca_edit.text().strip()).expanduser()) if self.ca_edit.text().strip() \
            else None
        self.controller.settings.set(SYNC_INTERVAL, self.interval.value())
        self.save_button.setEnabled(False)
        self._say(tr("正在保存……"))
        self.tasks.write(lambda db: save_server_settings(db, url, token, ca),
                         on_done=self._saved, on_error=self._not_saved, initiator=self)

    def _saved(self, _result) -> None:
        url = self.url_edit.text().strip().rstrip("/")
        self.known = ServerSettings(url, self.ca_edit.text().strip() or None,
                                    self.known.token_saved or bool(self.token_edit.text().strip()))
        self.token_edit.clear()
        self.token_edit.setPlaceholderText(tr("已保存（留空则不变）"))
        self._say(tr("已保存，正在连接服务器验证……"))
        self.verifying = True
        self.controller.settings_saved()

    def _not_saved(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._say(tr("未能保存：") + failure_message(exc), error=True)

    def _on_started(self) -> None:
        if self.verifying:
            self.verifying, self.trial_running = False, True

    def _on_finished(self, report) -> None:
        if self.trial_running:
            self.trial_running = False
            self.save_button.setEnabled(True)
            self._say(tr("连接成功：") + report.summary())
            self.accept()

    def _on_failed(self, message: str) -> None:
        if self.trial_running:
            self.trial_running = False
            self.save_button.setEnabled(True)
            self._say(tr("设置已保存，但同步未成功：") + message, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.adjustSize()  # room for a long message, which would otherwise be clipped
